"""Uploading a department file through the API: the same ingestion, the reject report back."""

from __future__ import annotations

from world import write_enterprises_csv

from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry


def upload(client, world, path, who="city", table="enterprises"):
    with path.open("rb") as f:
        return client.post(f"/api/imports/{table}", files={"file": (path.name, f, "text/csv")},
                           data={"source": "市场监管"}, headers=world.auth(who))


def test_upload_returns_the_reject_report_and_lists_the_batch(client, world, tmp_path):
    csv = write_enterprises_csv(tmp_path / "企业名录.csv", world.firms, extra_bad_row=True)
    r = upload(client, world, csv)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["rows_read"], doc["rows_loaded"], doc["rows_rejected"]) == (5, 4, 1)
    assert doc["rows_read"] == doc["rows_loaded"] + doc["rows_rejected"]
    [rej] = doc["rejects"]
    assert rej["row"] == 6 and rej["code"] == "bad_credit_code" and rej["column"] == "统一社会信用代码"
    again = upload(client, world, csv)
    assert again.json()["duplicate_of"] == doc["batch_id"] and again.json()["rows_loaded"] == 0
    batches = client.get("/api/imports", headers=world.auth("auditor")).json()["batches"]
    assert [b["table"] for b in batches] == ["enterprises", "enterprises"]
    detail = client.get(f"/api/imports/{doc['batch_id']}", headers=world.auth("city")).json()
    assert [x["code"] for x in detail["rejects"]] == ["bad_credit_code"]
    with session_scope(world.settings) as s:
        assert s.query(AuditEntry).filter_by(action="import", username="city").count() == 2
        assert s.query(AuditEntry).filter_by(action="read.imports", username="auditor").count() == 1


def test_only_the_city_imports(client, world, tmp_path):
    csv = write_enterprises_csv(tmp_path / "e.csv", world.firms)
    for who in ("district_a", "firm_a0", "bank", "auditor"):
        assert upload(client, world, csv, who=who).status_code == 403, who


def test_unreadable_or_unknown_uploads_are_refused_whole(client, world, tmp_path):
    csv = write_enterprises_csv(tmp_path / "e.csv", world.firms)
    assert upload(client, world, csv, table="nonsense").status_code == 404
    bad = tmp_path / "wrong.csv"
    bad.write_text("甲,乙\n1,2\n", encoding="utf-8")
    r = upload(client, world, bad)
    assert r.status_code == 422 and r.json()["detail"]
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    assert upload(client, world, exe).status_code == 422
    assert client.get("/api/imports", headers=world.auth("city")).json()["batches"] == []
