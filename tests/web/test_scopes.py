"""Roles and scopes (CONTRACT.md): each role sees exactly its firms; out of scope is the same 404
as a missing firm; bank and auditor reads are audited."""

from __future__ import annotations

from world import YEAR

from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry, Consent, User

MISSING_BODY = {"detail": "未找到该企业或记录"}

# who → firms whose carbon result they may read
CARBON_VISIBLE = {
    "city": {"a0", "a1", "b0", "b1"},
    "auditor": {"a0", "a1", "b0", "b1"},
    "district_a": {"a0", "a1"},
    "district_b": {"b0", "b1"},
    "firm_a0": {"a0"},
    "firm_b0": {"b0"},
    "bank": set(),
}


def grant(world, firm="a0", bank="bank1", start="2020-01-01", end="2099-12-31", revoked=False):
    import datetime as dt

    from zhizao.store.models import utcnow

    with session_scope(world.settings) as s:
        bank_id = s.query(User.id).filter_by(username=bank).scalar()
        s.add(Consent(credit_code=world.firms[firm], bank_user_id=bank_id, scope="carbon",
                      valid_from=dt.date.fromisoformat(start), valid_to=dt.date.fromisoformat(end),
                      granted_by="firm", revoked_at=utcnow() if revoked else None))


def test_carbon_result_visible_exactly_in_scope(client, world):
    for who, key in [(w, k) for w in sorted(CARBON_VISIBLE) for k in ("a0", "a1", "b0", "b1", "missing")]:
        r = client.get(f"/api/carbon/{YEAR}/{world.firms[key]}", headers=world.auth(who))
        if key in CARBON_VISIBLE[who]:
            assert r.status_code == 200, (who, key)
            row = r.json()
            assert row["credit_code"] == world.firms[key]
            assert {"grade", "k_value", "colour", "level", "intensity", "status"} <= row.keys()
        else:
            assert (r.status_code, r.json()) == (404, MISSING_BODY), (who, key)


def test_out_of_scope_response_is_byte_identical_to_missing(client, world):
    h = world.auth("district_a")
    out_of_scope = client.get(f"/api/carbon/{YEAR}/{world.firms['b0']}", headers=h)
    missing = client.get(f"/api/carbon/{YEAR}/{world.firms['missing']}", headers=h)
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.content == missing.content
    assert out_of_scope.headers["content-type"] == missing.headers["content-type"]


def test_bank_reads_carbon_only_with_a_current_consent_and_each_read_is_audited(client, world):
    code = world.firms["a0"]
    h = world.auth("bank")
    assert client.get(f"/api/carbon/{YEAR}/{code}", headers=h).status_code == 404
    grant(world, "a0", start="2000-01-01", end="2001-01-01")  # expired
    grant(world, "a1", revoked=True)  # revoked
    grant(world, "b0", bank="bank2")  # another bank's
    assert client.get(f"/api/carbon/{YEAR}/{code}", headers=h).status_code == 404
    assert client.get(f"/api/carbon/{YEAR}/{world.firms['a1']}", headers=h).status_code == 404
    assert client.get(f"/api/carbon/{YEAR}/{world.firms['b0']}", headers=h).status_code == 404
    grant(world, "a0")
    assert client.get(f"/api/carbon/{YEAR}/{code}", headers=h).json()["grade"] == 1
    assert client.get(f"/api/carbon/{YEAR}/{code}", headers=h).status_code == 200
    # carbon only: not the 亩均 result, not the firm profile
    assert client.get(f"/api/mujun/{YEAR}/{code}", headers=h).status_code == 404
    assert client.get(f"/api/enterprises/{code}", headers=h).status_code == 404
    listed = client.get(f"/api/carbon/{YEAR}", headers=h).json()
    assert [r["credit_code"] for r in listed["items"]] == [code]
    with session_scope(world.settings) as s:
        reads = s.query(AuditEntry).filter_by(username="bank1", action="read.carbon").all()
        assert [(e.target, e.role) for e in reads] == [(code, "bank"), (code, "bank")]


def test_auditor_reads_everything_and_every_read_is_audited(client, world):
    h = world.auth("auditor")
    for key in ("a0", "b1"):
        assert client.get(f"/api/carbon/{YEAR}/{world.firms[key]}", headers=h).status_code == 200
    assert client.get(f"/api/mujun/{YEAR}", headers=h).json()["total"] == 4
    with session_scope(world.settings) as s:
        actions = sorted(e.action for e in s.query(AuditEntry).filter_by(username="auditor"))
    assert actions == ["read.carbon", "read.carbon", "read.mujun.list"]


def test_city_and_district_reads_are_not_audited(client, world):
    client.get(f"/api/carbon/{YEAR}/{world.firms['a0']}", headers=world.auth("city"))
    client.get(f"/api/carbon/{YEAR}", headers=world.auth("district_a"))
    with session_scope(world.settings) as s:
        assert s.query(AuditEntry).filter(AuditEntry.action.like("read.%")).count() == 0


def test_lists_are_restricted_to_scope(client, world):
    expected = {"city": 4, "district_a": 2, "district_b": 2, "firm_b0": 1, "auditor": 4, "bank": 0}
    for who, method in [(w, m) for w in expected for m in ("carbon", "mujun")]:
        page = client.get(f"/api/{method}/{YEAR}", headers=world.auth(who)).json()
        assert page["total"] == len(page["items"]) == expected[who], (who, method)


def test_district_cannot_widen_its_list_with_a_region_filter(client, world):
    page = client.get(f"/api/carbon/{YEAR}", params={"region": "330105"}, headers=world.auth("district_a")).json()
    assert page["total"] == 0


def test_list_filters_paging_and_distribution(client, world):
    h = world.auth("city")
    page = client.get(f"/api/carbon/{YEAR}", params={"grade": 2}, headers=h).json()
    assert page["total"] == 2 and page["run_id"] == "seed-carbon-2024"
    page = client.get(f"/api/carbon/{YEAR}", params={"limit": 3, "offset": 3}, headers=h).json()
    assert page["total"] == 4 and len(page["items"]) == 1
    page = client.get(f"/api/mujun/{YEAR}", params={"class": "A"}, headers=h).json()
    assert sorted(r["credit_code"] for r in page["items"]) == sorted([world.firms["a0"], world.firms["b0"]])
    ranked = client.get(f"/api/mujun/{YEAR}", headers=h).json()["items"]
    assert [r["rank"] for r in ranked] == [1, 2, 3, 4]
    dist = client.get(f"/api/carbon/{YEAR}/distribution", params={"by": "region"}, headers=h).json()
    assert {(c["region_code"], c["grade"]): c["n"] for c in dist["counts"]} == {
        ("330102", "1"): 1, ("330102", "2"): 1, ("330105", "2"): 1, ("330105", "5"): 1}
    years = client.get("/api/carbon", headers=h).json()
    assert years["years"] == [YEAR] and years["publications"][0]["run_id"] == "seed-carbon-2024"


def test_lower_case_code_finds_the_firm(client, world):
    r = client.get(f"/api/carbon/{YEAR}/{world.firms['a0'].lower()}", headers=world.auth("city"))
    assert r.status_code == 200


def test_parallel_bank_reads_are_each_audited_before_their_answer(client, world):
    """Concurrent audited reads share one commit (zhizao.store.hot): every answered read has its
    entry in the log by the time its answer arrives, one entry per read, none lost."""
    from concurrent.futures import ThreadPoolExecutor

    grant(world, "a0")
    code = world.firms["a0"]

    def read(i: int) -> tuple[int, int]:
        r = client.get(f"/api/carbon/{YEAR}/{code}", headers=world.auth("bank"))
        with session_scope(world.settings) as s:  # the answer is there: so is its entry
            n = s.query(AuditEntry).filter_by(username="bank1", action="read.carbon").count()
        return r.status_code, n

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(read, range(40)))
    assert all(status == 200 for status, _ in got)
    counts = sorted(n for _, n in got)
    assert all(n >= i + 1 for i, n in enumerate(counts)), counts  # the k-th answer saw at least k entries
    with session_scope(world.settings) as s:
        reads = s.query(AuditEntry).filter_by(username="bank1", action="read.carbon").all()
    assert len(reads) == 40 and {(e.target, e.role) for e in reads} == {(code, "bank")}
