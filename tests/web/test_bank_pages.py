"""The bank's view: the list of its consents (firm, purpose, period, status) and a carbon list of
only the firms that authorised it, without city-wide distribution charts."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from world import World

from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry, Consent, User, utcnow
from zhizao.web.auth import SESSION_COOKIE


def consent(world: World, firm: str, bank: str = "bank1", start: int = -10, end: int = 200,
            revoked: bool = False) -> None:
    today = dt.date.today()
    with session_scope(world.settings) as s:
        b = s.scalar(select(User).where(User.username == bank))
        assert b is not None
        s.add(Consent(credit_code=world.firms[firm], bank_user_id=b.id, scope="carbon",
                      valid_from=today + dt.timedelta(days=start), valid_to=today + dt.timedelta(days=end),
                      granted_by="firm", revoked_at=utcnow() if revoked else None))


def browse(client: TestClient, world: World, who: str) -> None:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, world.tokens[who])


def table(html: str, tid: str) -> str:
    return html.split(f'id="{tid}"', 1)[1].split("</table>", 1)[0]


def test_the_bank_lists_its_consents_with_names_periods_and_status(client: TestClient, world: World) -> None:
    consent(world, "a0")
    consent(world, "b0", revoked=True)
    consent(world, "b1", start=-100, end=-1)
    consent(world, "a1", bank="bank2")
    browse(client, world, "bank")
    r = client.get("/consents")
    assert r.status_code == 200
    rows = table(r.text, "consents")
    assert "测试企业0" in rows and "测试企业2" in rows and "测试企业3" in rows
    assert "测试企业1" not in rows  # granted to another bank
    assert rows.count("有效") == 1 and "已撤销" in rows and "已过期" in rows
    assert (dt.date.today() + dt.timedelta(days=200)).isoformat() in rows
    assert "查询本企业碳效码评价结果" in rows
    with session_scope(world.settings) as s:
        assert "page.consents" in s.scalars(select(AuditEntry.action).where(AuditEntry.username == "bank1")).all()


def test_the_bank_s_carbon_list_has_only_its_firms_and_no_distribution_charts(client: TestClient,
                                                                             world: World) -> None:
    consent(world, "a0")
    browse(client, world, "bank")
    html = client.get("/carbon").text
    rows = table(html, "carbon-table")
    assert world.firms["a0"] in rows
    assert all(world.firms[k] not in rows for k in ("a1", "b0", "b1"))
    assert "data-chart=" not in html and "echarts" not in html
    browse(client, world, "city")
    assert "data-chart=" in client.get("/carbon").text


def test_other_roles_have_no_bank_list(client: TestClient, world: World) -> None:
    for who in ("district_a", "firm_a0"):
        browse(client, world, who)
        assert client.get("/consents").status_code == 403
    consent(world, "a0")
    browse(client, world, "city")
    assert "测试企业0" in table(client.get("/consents").text, "consents")
