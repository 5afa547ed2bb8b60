"""The auditor's audit-log page: filters by user, action family, date range and firm, paged in
the query, the export honours the filters, and every read is itself in the log."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sheets import sheet_rows, table_after
from sqlalchemy import func, select
from world import World

from zhizao.store import audit as audit_log
from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry
from zhizao.web.auth import SESSION_COOKIE


def seed(world: World, n: int = 120) -> None:
    """``n`` exports by the city over three days and one objection about firm a0."""
    base = dt.datetime(2025, 3, 1, 9, 0)
    with session_scope(world.settings) as s:
        for i in range(n):
            s.add(AuditEntry(at=base + dt.timedelta(days=i % 3, minutes=i), username="city", role="city",
                             action="export.carbon", target="carbon:2024", detail=json.dumps({"rows": i})))
        s.add(AuditEntry(at=base, username="firm_a0", role="enterprise", action="objection.file", target="7",
                         detail=json.dumps({"credit_code": world.firms["a0"]})))


def browse(client: TestClient, world: World, who: str) -> None:
    client.cookies.set(SESSION_COOKIE, world.tokens[who])


def test_the_auditor_pages_through_the_filtered_log(client: TestClient, world: World) -> None:
    seed(world)
    browse(client, world, "auditor")
    r = client.get("/audit", params={"username": "city", "action": "export.", "since": "2025-03-02",
                                     "until": "2025-03-02"})
    assert r.status_code == 200
    assert "共 40 条，第 1 / 1 页" in r.text
    table = r.text.split('id="audit-table"', 1)[1].split("</table>", 1)[0]
    assert "导出碳效码清单" in table and "export.carbon" not in table
    assert "碳效码 2024" in table and "carbon:2024" not in table
    r = client.get("/audit", params={"username": "city", "action": "export.carbon", "page": 3})
    assert "共 120 条，第 3 / 3 页" in r.text


def test_reversed_dates_are_the_range_meant(client: TestClient, world: World) -> None:
    seed(world)
    browse(client, world, "auditor")
    r = client.get("/audit", params={"username": "city", "since": "2025-03-03", "until": "2025-03-02"})
    assert r.status_code == 200 and "共 80 条" in r.text


def test_the_firm_filter_finds_entries_naming_the_firm(client: TestClient, world: World) -> None:
    seed(world)
    browse(client, world, "auditor")
    r = client.get("/audit", params={"firm": world.firms["a0"][:12]})
    assert "提交异议" in r.text and "共 1 条" in r.text


def test_the_export_holds_the_filtered_rows_with_chinese_headers(client: TestClient, world: World) -> None:
    seed(world)
    browse(client, world, "auditor")
    r = client.get("/audit/export.xlsx", params={"username": "city", "since": "2025-03-01", "until": "2025-03-01"})
    assert r.status_code == 200
    header, body = table_after(sheet_rows(r.content), "序号")
    assert header[:5] == ["序号", "时间（北京时间）", "用户", "角色", "操作"]
    assert len(body) == 40
    assert {row[4] for row in body} == {"导出碳效码清单"}
    assert {row[3] for row in body} == {"市经信局"}


def test_every_read_and_export_by_the_auditor_is_logged(client: TestClient, world: World) -> None:
    browse(client, world, "auditor")
    client.get("/audit", params={"firm": "9133"})
    client.get("/audit/export.xlsx")
    with session_scope(world.settings) as s:
        mine = list(s.scalars(select(AuditEntry.action).where(AuditEntry.username == "auditor")))
    assert mine == ["page.audit", "export.audit"]


def test_only_the_auditor_and_the_city_open_the_log(client: TestClient, world: World) -> None:
    for who in ("district_a", "bank", "firm_a0"):
        browse(client, world, who)
        assert client.get("/audit").status_code == 403
        assert client.get("/audit/export.xlsx").status_code == 403
    browse(client, world, "city")
    assert client.get("/audit").status_code == 200


def test_the_api_takes_the_same_filters(client: TestClient, world: World) -> None:
    seed(world)
    r = client.get("/api/audit", headers=world.auth("auditor"),
                   params={"username": "city", "since": "2025-03-03", "until": "2025-03-03", "limit": 5})
    assert r.status_code == 200 and r.json()["total"] == 40 and len(r.json()["items"]) == 5
    with session_scope(world.settings) as s:
        total, _ = audit_log.entries(s, action="export.")
        assert total == s.scalar(select(func.count()).where(AuditEntry.action.like("export.%")))


def test_the_pager_jumps_to_a_page_keeping_the_filters(client: TestClient, world: World) -> None:
    seed(world)
    browse(client, world, "auditor")
    html = client.get("/audit", params={"username": "city", "action": "export.carbon"}).text
    jump = html.split('<form class="jump"', 1)[1].split("</form>", 1)[0]
    assert 'name="username" value="city"' in jump and 'name="action" value="export.carbon"' in jump
    assert 'name="page"' in jump and 'max="3"' in jump
    r = client.get("/audit", params={"username": "city", "action": "export.carbon", "page": 999})
    assert "第 3 / 3 页" in r.text  # a page past the end shows the last one


def test_times_and_day_filters_are_beijing_time(client: TestClient, world: World) -> None:
    with session_scope(world.settings) as s:  # 20:30 UTC on 1 March is 04:30 on 2 March in Beijing
        s.add(AuditEntry(at=dt.datetime(2025, 3, 1, 20, 30), username="night", role="city", action="export.carbon"))
    browse(client, world, "auditor")
    html = client.get("/audit", params={"username": "night", "since": "2025-03-02", "until": "2025-03-02"}).text
    assert "共 1 条" in html and "2025-03-02 04:30:00" in html
    assert "共 0 条" in client.get("/audit", params={"username": "night", "until": "2025-03-01"}).text


def test_recorded_details_read_in_chinese_with_no_none_and_no_ids() -> None:
    from zhizao.web.audit_view import detail_text

    text = detail_text({"codes": [None, "913305020000000001"], "run_id": None, "methodology": "huzhou-mujun@2024",
                        "counts": {"status": {"graded": 9, "not_evaluated": 1}}})
    assert "None" not in text and "@" not in text and "not_evaluated" not in text
    assert "亩均" in text and "不参评 1" in text and "—" in text
    assert detail_text({"track": "above_scale", "class": "A"}) == "评价组别：规上企业；分类：A"
    # the words for a track come from the 亩均 methodologies' own titles, also in a count by track
    assert detail_text({"counts": {"track": {"lessee": 3}}}) == "统计：（评价组别 租赁厂房企业（无自有用地） 3）"
    # a room that is no evaluation names its values through its ``audit_words`` (policy items, purposes)
    assert detail_text({"item_id": "hz23-emerging-upgrade", "purpose": "payout", "late": False}) == (
        "政策条目：新兴产业和特色优势产业重点提升项目奖励；用途：资金兑付；逾期：否")


def test_objects_and_actions_read_as_words_not_keys() -> None:
    from zhizao.web.audit_view import action_name, target_name

    assert target_name("tiers:None") == "梯队培育" and target_name("policies:None") == "政策"
    assert target_name("tiers:specialised_sme:2024") == "梯队培育 2024"
    assert target_name("mujun-2024-0001") == "亩均效益综合评价 2024年 第1次计算"
    assert target_name("economy:2020-2024:330500") == "工业经济运行 2020-2024 湖州市"
    assert target_name("enterprise:91330502MA2B0000XG") == "企业 91330502MA2B0000XG"
    assert target_name("runs") == "评价运行"
    assert action_name("page.cultivation_tier") == "查看梯队培育" and action_name("read.policies") == "查询政策兑现"
