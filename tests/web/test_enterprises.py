"""一企一档 over the API: the warehouse profile plus published results, in scope only; a
warehouse locked by the command line is a Chinese 503, not a crash."""

from __future__ import annotations

import subprocess
import sys
import time

from world import YEAR, write_enterprises_csv

from zhizao.ingest import import_file


def load_firms(world, tmp_path):
    import_file(world.settings, "enterprises", write_enterprises_csv(tmp_path / "e.csv", world.firms))
    tax = tmp_path / "tax.csv"
    tax.write_text(f"统一社会信用代码,年度,实缴税金(万元)\n{world.firms['a0']},{YEAR},123.5\n", encoding="utf-8")
    import_file(world.settings, "tax", tax)


def test_profile_joins_warehouse_data_and_published_results(client, world, tmp_path):
    load_firms(world, tmp_path)
    r = client.get(f"/api/enterprises/{world.firms['a0']}", headers=world.auth("district_a"))
    assert r.status_code == 200
    p = r.json()
    assert p["enterprise"]["name"] == "测试企业0" and p["enterprise"]["region_code"] == "330102"
    assert p["tax"] == [{"year": YEAR, "tax_paid": 123.5}]
    assert [c["grade"] for c in p["carbon"]] == [1] and [m["class"] for m in p["mujun"]] == ["A"]


def test_profile_out_of_scope_is_the_missing_404(client, world, tmp_path):
    load_firms(world, tmp_path)
    for who, key in [("district_b", "a0"), ("firm_b0", "a0"), ("bank", "a0"), ("district_a", "missing")]:
        r = client.get(f"/api/enterprises/{world.firms[key]}", headers=world.auth(who))
        assert (r.status_code, r.json()) == (404, {"detail": "未找到该企业或记录"}), (who, key)
    assert client.get(f"/api/enterprises/{world.firms['a0']}", headers=world.auth("firm_a0")).status_code == 200


def test_enterprise_list_follows_scope(client, world, tmp_path):
    load_firms(world, tmp_path)
    for who, n in [("city", 4), ("district_b", 2), ("firm_a0", 1), ("bank", 0)]:
        assert client.get("/api/enterprises", headers=world.auth(who)).json()["total"] == n, who
    page = client.get("/api/enterprises", params={"industry": "33", "limit": 1}, headers=world.auth("city")).json()
    assert page["total"] == 2 and len(page["items"]) == 1


def test_locked_warehouse_is_a_503_in_chinese(client, world, tmp_path):
    load_firms(world, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True);"
                               " time.sleep(30)", str(world.settings.warehouse_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        r = client.get(f"/api/enterprises/{world.firms['a0']}", headers=world.auth("city"))
        assert r.status_code == 503 and "数据仓库" in r.json()["detail"] and r.headers["retry-after"]
        # the store-only hot path does not touch the warehouse and keeps serving
        assert client.get(f"/api/carbon/{YEAR}/{world.firms['a0']}", headers=world.auth("city")).status_code == 200
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert client.get(f"/api/enterprises/{world.firms['a0']}", headers=world.auth("city")).status_code == 200


def test_out_of_scope_profile_is_answered_without_opening_the_warehouse(client, world, tmp_path):
    """The scope check comes before any profile work (issue 16: the 404 of an existing firm
    out of scope took 5 times the missing firm's, its profile being computed first). With
    another process writing the warehouse, a request that must read it answers 503; the
    forbidden ones answer their 404 at once, so they never opened it."""
    load_firms(world, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True);"
                               " time.sleep(30)", str(world.settings.warehouse_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        a0 = world.firms["a0"]
        assert client.get(f"/api/enterprises/{a0}", headers=world.auth("district_a")).status_code == 503
        for who in ("district_b", "firm_b0", "bank"):
            for page in (f"/api/enterprises/{a0}", f"/enterprises/{a0}"):
                headers = world.auth(who) if page.startswith("/api") else {"Cookie": f"zhizao_session={world.tokens[who]}"}
                r = client.get(page, headers=headers)
                # a warehouse open would have waited for the writer, then answered 503 (as above):
                # the 404 itself shows the warehouse was never opened (no clock in the check)
                assert r.status_code == 404, (who, page, r.status_code)
    finally:
        holder.kill()
        holder.wait()


def test_a_district_sees_its_unpublished_firm_and_not_another_districts(client, world, tmp_path):
    """A firm with nothing published: the district's scope comes from the warehouse's firm
    regions (kept per warehouse state), not from the profile."""
    import_file(world.settings, "enterprises", write_enterprises_csv(tmp_path / "e.csv", world.firms))
    extra = tmp_path / "extra.csv"
    code = world.firms["missing"]  # region A, never published
    extra.write_text(f"统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期\n{code},未发布企业,330102,3311,2015-05-05\n",
                     encoding="utf-8")
    import_file(world.settings, "enterprises", extra)
    r = client.get(f"/api/enterprises/{code}", headers=world.auth("district_a"))
    assert r.status_code == 200 and r.json()["enterprise"]["name"] == "未发布企业"
    r = client.get(f"/api/enterprises/{code}", headers=world.auth("district_b"))
    assert (r.status_code, r.json()) == (404, {"detail": "未找到该企业或记录"})
