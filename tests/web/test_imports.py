"""Uploading a department file through the API: stored and queued at once (202, a job), imported
by the worker with the same ingestion, the job's reject report at ``/api/imports/jobs/{id}``."""

from __future__ import annotations

from world import write_enterprises_csv

from zhizao.ingest import jobs
from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry


def upload(client, world, path, who="city", table="enterprises"):
    with path.open("rb") as f:
        return client.post(f"/api/imports/{table}", files={"file": (path.name, f, "text/csv")},
                           data={"source": "市场监管"}, headers=world.auth(who))


def imported(client, world, response):
    """The worker imports what is queued (the same code ``zhizao worker`` runs); the job's document."""
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "queued" and job["url"] == f"/api/imports/jobs/{job['job_id']}"
    jobs.work(world.settings, once=True)
    r = client.get(job["url"], headers=world.auth("city"))
    assert r.status_code == 200
    return r.json()


def test_upload_is_queued_and_its_job_gives_the_reject_report(client, world, tmp_path):
    csv = write_enterprises_csv(tmp_path / "企业名录.csv", world.firms, extra_bad_row=True)
    first = upload(client, world, csv)
    assert client.get("/api/imports", headers=world.auth("city")).json()["batches"] == []  # not yet imported
    job = imported(client, world, first)
    assert job["status"] == "done" and job["file"] == "企业名录.csv"
    doc = job["result"]
    assert (doc["rows_read"], doc["rows_loaded"], doc["rows_rejected"]) == (5, 4, 1)
    assert doc["rows_read"] == doc["rows_loaded"] + doc["rows_rejected"]
    [rej] = doc["rejects"]
    assert rej["row"] == 6 and rej["code"] == "bad_credit_code" and rej["column"] == "统一社会信用代码"
    again = imported(client, world, upload(client, world, csv))["result"]
    assert again["duplicate_of"] == doc["batch_id"] and again["rows_loaded"] == 0
    batches = client.get("/api/imports", headers=world.auth("auditor")).json()["batches"]
    assert [b["table"] for b in batches] == ["enterprises", "enterprises"]
    detail = client.get(f"/api/imports/{doc['batch_id']}", headers=world.auth("city")).json()
    assert [x["code"] for x in detail["rejects"]] == ["bad_credit_code"]
    with session_scope(world.settings) as s:
        assert s.query(AuditEntry).filter_by(action="import.queued", username="city").count() == 2
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
    job = imported(client, world, upload(client, world, bad))
    assert job["status"] == "failed" and job["error"] and job["result"] is None
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    assert upload(client, world, exe).status_code == 422
    assert client.get("/api/imports", headers=world.auth("city")).json()["batches"] == []


def test_jobs_are_read_by_city_and_auditor_only(client, world, tmp_path):
    csv = write_enterprises_csv(tmp_path / "e.csv", world.firms)
    job = upload(client, world, csv).json()
    for who in ("district_a", "firm_a0", "bank"):
        assert client.get(job["url"], headers=world.auth(who)).status_code == 403, who
    assert client.get(job["url"], headers=world.auth("auditor")).json()["status"] == "queued"
    assert [j["job_id"] for j in client.get("/api/imports/jobs", headers=world.auth("city")).json()["jobs"]] == [
        job["job_id"]]
    assert client.get("/api/imports/jobs/999999", headers=world.auth("city")).status_code == 404
