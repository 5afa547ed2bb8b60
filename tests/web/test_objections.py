"""Objections: a firm files one with evidence; its district and the city see it; the city decides."""

from __future__ import annotations

import hashlib
from pathlib import Path

from world import YEAR

from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry, Objection

EVIDENCE = "电费发票 2024年 复核材料\n".encode()


def file_one(client, world, who="firm_a0", method="carbon", evidence=True):
    files = {"evidence": ("发票.txt", EVIDENCE, "text/plain")} if evidence else None
    return client.post("/api/objections", data={"method": method, "year": str(YEAR), "subject": "碳排放量有误",
                                                "content": "电力消费量重复计入，请复核。"},
                       files=files, headers=world.auth(who))


def test_firm_files_with_evidence_and_the_city_decides(client, world):
    r = file_one(client, world)
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["status"] == "pending" and o["credit_code"] == world.firms["a0"] and o["run_id"] == "seed-carbon-2024"
    assert o["evidence_sha256"] == hashlib.sha256(EVIDENCE).hexdigest()
    with session_scope(world.settings) as s:
        stored = Path(s.get(Objection, o["id"]).evidence_path)
    assert stored.read_bytes() == EVIDENCE and stored.is_relative_to(world.settings.uploads_dir)
    got = client.get(f"/api/objections/{o['id']}/evidence", headers=world.auth("district_a"))
    assert got.status_code == 200 and got.content == EVIDENCE
    decision = {"status": "accepted", "reason": "经核实，电量重复计入，已更正。", "correction_run_id": "carbon-2024-0002"}
    assert client.post(f"/api/objections/{o['id']}/decision", json=decision,
                       headers=world.auth("auditor")).status_code == 403
    d = client.post(f"/api/objections/{o['id']}/decision", json=decision, headers=world.auth("city"))
    assert d.status_code == 200 and d.json()["status"] == "accepted" and d.json()["decided_by"] == "city"
    again = client.post(f"/api/objections/{o['id']}/decision", json=decision, headers=world.auth("city"))
    assert again.status_code == 409
    with session_scope(world.settings) as s:
        actions = [e.action for e in s.query(AuditEntry).filter(AuditEntry.action.like("objection.%"))]
    assert actions == ["objection.file", "objection.decide"]


def test_objections_are_seen_only_in_scope(client, world):
    oid = file_one(client, world).json()["id"]
    for who, sees in [("firm_a0", True), ("district_a", True), ("city", True), ("auditor", True),
                      ("firm_b0", False), ("district_b", False), ("bank", False)]:
        one = client.get(f"/api/objections/{oid}", headers=world.auth(who))
        listed = client.get("/api/objections", headers=world.auth(who)).json()
        assert (one.status_code == 200) is sees, who
        assert (listed["total"] == 1) is sees, who
        if not sees:
            assert one.json() == {"detail": "未找到该企业或记录"}


def test_only_firms_file_and_only_on_a_published_result(client, world):
    assert file_one(client, world, who="city").status_code == 403
    assert file_one(client, world, who="bank").status_code == 403
    r = client.post("/api/objections", data={"method": "carbon", "year": "2019", "subject": "x", "content": "y"},
                    headers=world.auth("firm_a0"))
    assert r.status_code == 404
    # 亩均 objections follow the round's procedure: no round open for the year, no objection
    mujun = file_one(client, world, method="mujun", evidence=False)
    assert mujun.status_code == 409 and "冻结" in mujun.json()["detail"]
    bad = client.post("/api/objections", data={"method": "other", "year": str(YEAR), "subject": "x", "content": "y"},
                      headers=world.auth("firm_a0"))
    assert bad.status_code == 422
