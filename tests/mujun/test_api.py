"""亩均 over the API: a real round (freeze, land notice, score, results notice), its published
rows served by ``/api/mujun``, objections filed and decided through the round's procedure."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from tests.mujun.citydata import Firm, code, load
from typer.testing import CliRunner
from world import add_user_fast, issue_token

from zhizao.cli import app as cli_app
from zhizao.mujun import workflow
from zhizao.store.accounts import hash_password
from zhizao.store.db import session_scope
from zhizao.web.app import create_app

YEAR = 2022


def _city() -> list[Firm]:
    return [Firm(code(i), above=True, tax=100.0 + 40 * i, value_added=800.0 + 50 * i,
                 parcels=[(f"P{i}", 10.0, "owned")], energy={"electricity": 1e6, "raw_coal": 50.0},
                 emissions={"cod": 0.5}) for i in range(1, 7)]


def _round_open_for_objections(s, tmp_path) -> str:
    load(s, _city(), YEAR, tmp_path)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    t0 = now - dt.timedelta(days=7)
    workflow.freeze(s, YEAR, "analyst", "huangyan-2022", now=t0)
    workflow.land_notice(s, YEAR, "analyst", days=5, now=t0)
    run_id = workflow.score(s, YEAR, "analyst", now=t0 + dt.timedelta(days=6))["run_id"]
    workflow.results_notice(s, YEAR, "analyst", days=3, now=now - dt.timedelta(hours=1))
    return str(run_id)


def _tokens(s) -> dict[str, str]:
    pw = hash_password("password-123")
    with session_scope(s) as ses:
        users = {"city": add_user_fast(ses, "city", "city", password_hash=pw),
                 "firm": add_user_fast(ses, "firm1", "enterprise", password_hash=pw, credit_code=code(1)),
                 "other": add_user_fast(ses, "firm2", "enterprise", password_hash=pw, credit_code=code(2)),
                 "district": add_user_fast(ses, "dist", "district", password_hash=pw, region_code="331003"),
                 "bank": add_user_fast(ses, "bank", "bank", password_hash=pw)}
        return {k: issue_token(ses, u) for k, u in users.items()}


def test_published_round_is_served_ranked_and_in_scope(store_settings, tmp_path):
    s = store_settings
    run_id = _round_open_for_objections(s, tmp_path)
    tok = _tokens(s)
    c = TestClient(create_app(s))
    h = {k: {"Authorization": f"Bearer {v}"} for k, v in tok.items()}
    rows = json.loads(CliRunner().invoke(cli_app, ["--home", str(s.home), "results", run_id]).stdout)["rows"]
    by_code = {r["credit_code"]: r for r in rows}
    for cc, row in by_code.items():
        got = c.get(f"/api/mujun/{YEAR}/{cc}", headers=h["city"]).json()
        assert {k: got[k] for k in ("credit_code", "name", "track", "year", "indicators", "score", "rank",
                                    "class", "status", "reason")} == {
            k: row[k] for k in ("credit_code", "name", "track", "year", "indicators", "score", "rank", "class",
                                "status", "reason")}
    page = c.get(f"/api/mujun/{YEAR}", headers=h["district"]).json()
    assert page["total"] == len(rows) and page["run_id"] == run_id
    ranks = [r["rank"] for r in page["items"] if r["rank"] is not None]
    assert ranks == sorted(ranks)
    assert c.get(f"/api/mujun/{YEAR}", headers=h["firm"]).json()["total"] == 1
    assert c.get(f"/api/mujun/{YEAR}/{code(2)}", headers=h["firm"]).status_code == 404
    assert c.get(f"/api/mujun/{YEAR}/{code(1)}", headers=h["bank"]).status_code == 404


def test_objection_through_the_api_follows_the_round(store_settings, tmp_path):
    s = store_settings
    run_id = _round_open_for_objections(s, tmp_path)
    tok = _tokens(s)
    c = TestClient(create_app(s))
    h = {k: {"Authorization": f"Bearer {v}"} for k, v in tok.items()}
    r = c.post("/api/objections", data={"method": "mujun", "year": str(YEAR), "subject": "税收数据遗漏",
                                        "content": "第四季度入库税款未计入"},
               files={"evidence": ("完税证明.pdf", b"%PDF-1.4 tax", "application/pdf")}, headers=h["firm"])
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["run_id"] == run_id and o["credit_code"] == code(1) and o["evidence_sha256"]
    assert c.get(f"/api/objections/{o['id']}", headers=h["other"]).status_code == 404
    d = c.post(f"/api/objections/{o['id']}/decision", json={"status": "rejected", "reason": "税款属于次年"},
               headers=h["city"])
    assert d.status_code == 200 and d.json()["status"] == "rejected"
    status = workflow.status(s, YEAR)
    assert [st["step"] for st in status["steps"]][-2:] == ["objection", "decision"]
    assert status["objections"] == {"rejected": 1}


def test_the_round_page_names_each_step_by_the_accounts_display_name(store_settings, tmp_path):
    """The steps of the round say who took them as the bureau knows them: the account's display
    name; an actor without an account (a script's name) as it was recorded."""
    from forms import logged_in

    from zhizao.store.accounts import labels

    s = store_settings
    load(s, _city(), YEAR, tmp_path)
    t0 = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=7)
    workflow.freeze(s, YEAR, "city", "huangyan-2022", now=t0)
    workflow.land_notice(s, YEAR, "import-script", days=5, now=t0)
    workflow.score(s, YEAR, "city", now=t0 + dt.timedelta(days=6))
    workflow.results_notice(s, YEAR, "city", days=3, now=t0 + dt.timedelta(days=6, hours=1))
    with session_scope(s) as ses:
        add_user_fast(ses, "city", "city", password_hash=hash_password("password-123"), display_name="市经信局产业科")
        assert labels(ses, ["city", "import-script", None, ""]) == {"city": "市经信局产业科",
                                                                     "import-script": "import-script"}
    page = logged_in(create_app(s), "city", "password-123").get(f"/mujun?year={YEAR}").text
    steps = page[page.index('id="notices"'):page.index("</table>", page.index('id="notices"'))]
    assert "<td data-verbatim>市经信局产业科</td>" in steps and "<td data-verbatim>import-script</td>" in steps
    assert "<td data-verbatim>city</td>" not in steps
