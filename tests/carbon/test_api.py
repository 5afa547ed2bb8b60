"""工业碳效码 over the API: a real evaluation of a small city, published by the city through the
API, served by ``GET /api/carbon/{year}/{code}`` field for field as ``zhizao results`` gives it."""

from __future__ import annotations

import datetime as dt
import json

from carbon_city import random_city
from city import load_warehouse
from fastapi.testclient import TestClient
from store_fixtures import pg_db_url, store_settings
from typer.testing import CliRunner
from world import add_user_fast, issue_token

from zhizao.carbon.method import CONTRACT_FIELDS
from zhizao.cli import app as cli_app
from zhizao.store.accounts import hash_password
from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry
from zhizao.web.app import create_app

__all__ = ["pg_db_url", "store_settings"]
YEAR = 2022
TODAY = dt.date.today()
runner = CliRunner()


def _cli(s, *args):
    r = runner.invoke(cli_app, ["--home", str(s.home), *args], env={"ZHIZAO_STORE_URL": s.store_url})
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_evaluated_run_published_via_the_api_is_served_as_the_cli_rows(store_settings):
    s = store_settings
    city = random_city(14, year=YEAR)
    load_warehouse(s, city.tables())
    run = _cli(s, "evaluate", "carbon", "--year", str(YEAR), "--json")
    rows = {r["credit_code"]: r for r in _cli(s, "results", run["run_id"])["rows"]}
    region = rows[next(iter(rows))]["region_code"]
    firm = next(iter(rows))
    pw = hash_password("password-123")
    with session_scope(s) as ses:
        users = {"city": add_user_fast(ses, "city", "city", password_hash=pw),
                 "district": add_user_fast(ses, "dist", "district", password_hash=pw, region_code=region),
                 "firm": add_user_fast(ses, "firm", "enterprise", password_hash=pw, credit_code=firm),
                 "bank": add_user_fast(ses, "bank", "bank", password_hash=pw)}
        tok = {k: {"Authorization": f"Bearer {issue_token(ses, u)}"} for k, u in users.items()}
    c = TestClient(create_app(s))

    assert c.get(f"/api/carbon/{YEAR}/{firm}", headers=tok["city"]).status_code == 404  # nothing published yet
    pub = c.post(f"/api/runs/{run['run_id']}/publish", headers=tok["city"])
    assert pub.status_code == 200 and pub.json()["rows"] == len(rows)

    for code, row in rows.items():
        got = c.get(f"/api/carbon/{YEAR}/{code}", headers=tok["city"]).json()
        assert {k: got[k] for k in CONTRACT_FIELDS} == {k: row[k] for k in CONTRACT_FIELDS}
    in_region = [r for r in rows.values() if r["region_code"] == region]
    assert c.get(f"/api/carbon/{YEAR}", params={"limit": 500}, headers=tok["district"]).json()["total"] == len(in_region)
    dist = c.get(f"/api/carbon/{YEAR}/distribution", headers=tok["city"]).json()["counts"]
    assert {d["grade"]: d["n"] for d in dist if d["grade"] is not None} == run["counts"]["grade"]

    # the firm grants its bank consent through the API; the bank's reads are audited
    assert c.get(f"/api/carbon/{YEAR}/{firm}", headers=tok["bank"]).status_code == 404
    consent = c.post("/api/consents", json={"bank_username": "bank", "valid_from": str(TODAY),
                                            "valid_to": str(TODAY + dt.timedelta(days=365))}, headers=tok["firm"])
    assert consent.status_code == 201
    assert c.get(f"/api/carbon/{YEAR}/{firm}", headers=tok["bank"]).json()["grade"] == rows[firm]["grade"]
    other = next(code for code in rows if code != firm)
    assert c.get(f"/api/carbon/{YEAR}/{other}", headers=tok["bank"]).status_code == 404
    with session_scope(s) as ses:
        assert [e.target for e in ses.query(AuditEntry).filter_by(username="bank", action="read.carbon")] == [firm]
