"""The list page and the cockpit read what was prepared for the published state: the same
figures for everyone of one scope, never another scope's (a district never gets the city's
prepared page), and the next request after a publication or an import shows the new state.
Run on SQLite and on PostgreSQL (``store_settings``)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from forms import CSRF
from world import (
    PASSWORD,
    REGION_A,
    REGION_B,
    YEAR,
    add_user_fast,
    carbon_row,
    issue_token,
    write_enterprises_csv,
)

from zhizao.caching import Memo, state
from zhizao.store.accounts import hash_password
from zhizao.store.db import session_scope
from zhizao.store.publish import publish_rows
from zhizao.web import fmt

KPI = re.compile(r'<div class="label">(\d{4}年 碳效评价企业|碳效4–5级企业)</div><div class="value">(?:<a[^>]*>)?([\d,]+)')


def page(client: TestClient, world, who: str, path: str) -> str:  # type: ignore[no-untyped-def]
    c = TestClient(client.app)
    c.cookies.set("zhizao_session", world.tokens[who])
    r = c.get(path)
    assert r.status_code == 200, r.text[:300]
    return r.text


def kpis(html: str) -> dict[str, str]:
    return {k.split(" ")[-1]: v for k, v in KPI.findall(html)}


def republish(world, grades: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    rows = [carbon_row(world.firms[k], i, REGION_A if k[0] == "a" else REGION_B, g)
            for i, (k, g) in enumerate(grades.items())]
    with session_scope(world.settings) as s:
        publish_rows(s, "carbon", YEAR, f"seed-carbon-{YEAR}-{len(grades)}", rows, "city")


def test_each_scope_gets_its_own_prepared_list_page(client, world) -> None:  # type: ignore[no-untyped-def]
    a = [world.firms["a0"], world.firms["a1"]]
    b = [world.firms["b0"], world.firms["b1"]]
    # the city first (its page is prepared and kept), then each district, then the city again
    for who, seen, unseen in (("city", a + b, []), ("district_a", a, b), ("district_b", b, a),
                              ("city", a + b, []), ("district_a", a, b), ("bank", [], a + b)):
        html = page(client, world, who, "/carbon")
        for code in seen:
            assert code in html, (who, code)
        for code in unseen:
            assert code not in html, (who, code)
    # nor the city's figures: district A's charts name its district only
    html = page(client, world, "district_a", "/carbon")
    assert fmt.region(REGION_A) in html and fmt.region(REGION_B) not in html


def test_each_scope_gets_its_own_prepared_cockpit(client, world) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):  # the second round reads what the first prepared
        assert kpis(page(client, world, "city", "/")) == {"碳效评价企业": "4", "碳效4–5级企业": "1"}
        assert kpis(page(client, world, "district_a", "/")) == {"碳效评价企业": "2", "碳效4–5级企业": "0"}
        assert kpis(page(client, world, "district_b", "/")) == {"碳效评价企业": "2", "碳效4–5级企业": "1"}
        assert kpis(page(client, world, "auditor", "/")) == {"碳效评价企业": "4", "碳效4–5级企业": "1"}


def test_a_publication_shows_on_the_next_request(client, world) -> None:  # type: ignore[no-untyped-def]
    assert world.firms["b1"] in page(client, world, "city", "/carbon")
    assert kpis(page(client, world, "district_a", "/"))["碳效4–5级企业"] == "0"
    republish(world, {"a0": 4, "a1": 5, "b0": 2})  # b1 no longer published, district A's firms graded 4 and 5
    html = page(client, world, "city", "/carbon")
    assert world.firms["b1"] not in html and world.firms["a0"] in html
    assert kpis(page(client, world, "city", "/")) == {"碳效评价企业": "3", "碳效4–5级企业": "2"}
    assert kpis(page(client, world, "district_a", "/")) == {"碳效评价企业": "2", "碳效4–5级企业": "2"}
    assert world.firms["b1"] not in page(client, world, "district_b", "/carbon")


def test_an_import_gives_fresh_figures(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from zhizao.ingest import import_file

    memo = Memo(4)
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    assert memo.get(world.settings, ("k",), compute) == 1
    assert memo.get(world.settings, ("k",), compute) == 1  # kept
    before = state(world.settings)
    import_file(world.settings, "enterprises", write_enterprises_csv(tmp_path / "e.csv", world.firms))
    assert state(world.settings) != before
    assert memo.get(world.settings, ("k",), compute) == 2  # the import's state: computed again
    republish(world, {"a0": 1})
    assert memo.get(world.settings, ("k",), compute) == 3  # the publication's state
    assert memo.get(world.settings, ("other",), compute) == 4  # keys never mix
    assert memo.get(world.settings, ("k",), compute) == 3


def test_figures_of_published_results_only_are_kept_across_an_import(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The list pages and cockpit tiles read published results only: an import (a department's
    file every few minutes) leaves them prepared; a publication does not."""
    from zhizao.ingest import import_file

    memo = Memo(4, published_only=True)
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    assert memo.get(world.settings, ("k",), compute) == 1
    import_file(world.settings, "enterprises", write_enterprises_csv(tmp_path / "e.csv", world.firms))
    assert memo.get(world.settings, ("k",), compute) == 1
    republish(world, {"a0": 1})
    assert memo.get(world.settings, ("k",), compute) == 2


def test_concurrent_requests_for_a_missing_figure_compute_it_once(world) -> None:  # type: ignore[no-untyped-def]
    """Right after a publication every request of a busy server misses the memo at once: they
    wait for one computation instead of each doing it."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    memo = Memo(4, published_only=True)
    computed: list[int] = []
    lock = threading.Lock()

    def compute() -> str:
        with lock:
            computed.append(1)
        time.sleep(0.3)
        return "figures"

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: memo.get(world.settings, ("k",), compute), range(8)))
    assert got == ["figures"] * 8 and len(computed) == 1


def test_a_kept_page_carries_each_user_s_own_name_and_form_token(client, world) -> None:  # type: ignore[no-untyped-def]
    """The list page's HTML is rendered once per scope and kept: a second district user of the
    same district gets it with their own name and CSRF token, never the first user's."""
    with session_scope(world.settings) as s:
        other = add_user_fast(s, "dist_a2", "district", password_hash=hash_password(PASSWORD), region_code=REGION_A,
                              display_name="<b>二号</b>")
        world.tokens["district_a2"] = issue_token(s, other)
    first = page(client, world, "district_a", "/carbon")
    second = page(client, world, "district_a2", "/carbon")
    assert world.firms["a0"] in first and world.firms["a0"] in second
    assert "dist_a（" in first and "dist_a（" not in second
    assert "&lt;b&gt;二号&lt;/b&gt;" in second and "<b>二号</b>" not in second  # the name escaped, not markup
    t1, t2 = CSRF.findall(first), CSRF.findall(second)
    assert t1 and t2 and set(t1).isdisjoint(t2)
    # the kept page's token is this user's: the logout form posted with it is accepted
    c = TestClient(client.app, follow_redirects=False)
    c.cookies.set("zhizao_session", world.tokens["district_a2"])
    assert c.post("/logout", data={"csrf_token": t2[0]}).status_code == 303


def test_the_kept_api_list_follows_the_next_publication_and_each_scope(client, world) -> None:  # type: ignore[no-untyped-def]
    def codes(who: str) -> set[str]:
        r = client.get(f"/api/carbon/{YEAR}", headers=world.auth(who))
        assert r.status_code == 200, r.text[:200]
        return {i["credit_code"] for i in r.json()["items"]}

    f = world.firms
    assert codes("city") == {f["a0"], f["a1"], f["b0"], f["b1"]}
    assert codes("district_a") == {f["a0"], f["a1"]}  # never the city's kept answer
    republish(world, {"a0": 4, "b0": 2})
    assert codes("city") == {f["a0"], f["b0"]}
    assert codes("district_a") == {f["a0"]}


def test_the_mujun_list_is_read_before_its_first_visit_and_each_scope_sees_only_its_own(client, world) -> None:  # type: ignore[no-untyped-def]
    """``Room.warm_up`` of 亩均 reads the latest year's list as each scope first shows it (the whole
    city; each district account's region) into the web process; the pages then read it from there,
    the city and the auditor the same list, a district only its own firms."""
    from zhizao.mujun import pages

    pages._ROWS.clear()
    pages.warm_up(world.settings)
    # (publication, year, the scope's key, region, class, search): the city's and each district's
    assert sorted(k[2] for k in pages._ROWS) == [("all",), ("region", REGION_A), ("region", REGION_B)]
    cached = dict(pages._ROWS)
    a = [world.firms["a0"], world.firms["a1"]]
    b = [world.firms["b0"], world.firms["b1"]]
    for who, seen, unseen in (("city", a + b, []), ("auditor", a + b, []), ("district_a", a, b), ("district_b", b, a)):
        html = page(client, world, who, "/mujun")
        for code in seen:
            assert code in html, (who, code)
        for code in unseen:
            assert code not in html, (who, code)
    assert dict(pages._ROWS) == cached  # every first visit read what the warm-up had read


def test_a_web_process_reads_the_newest_prepared_value_of_every_key(world) -> None:  # type: ignore[no-untyped-def]
    from zhizao import prepared

    prepared.store(world.settings, "demo-figures", "k1", "old-state", {"v": 1})
    prepared.store(world.settings, "demo-figures", "k1", prepared.digest(world.settings), {"v": 2})
    prepared.store(world.settings, "demo-figures", "k2", "another-state", {"v": 3})
    with prepared._LOCK:
        prepared._LOADED.clear()
    assert prepared.warm(world.settings) == 2
    values = sorted(doc["value"]["v"] for doc in prepared._LOADED.values())
    assert values == [2, 3]  # k1's current one (not the older), k2's only one
