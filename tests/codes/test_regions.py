"""GB/T 2260 regions: current and retired codes."""

from __future__ import annotations

import pyarrow.compute as pc

from zhizao.codes import regions as reg

HUZHOU = {"330502": "吴兴区", "330503": "南浔区", "330521": "德清县", "330522": "长兴县", "330523": "安吉县"}


def test_region_table_columns_and_counts() -> None:
    t = reg.region_table()
    assert t.column_names[:8] == ["code", "name", "level", "parent", "province_code", "first_seen",
                                  "last_seen", "current"]
    assert t.num_rows == 7111
    assert pc.count_distinct(t.column("code")).as_py() == 7111
    assert reg.provinces().num_rows == 34  # 31 in the statistics list + 台湾, 香港, 澳门
    assert reg.counties("33").num_rows == 90


def test_huzhou_districts() -> None:
    for code, nm in HUZHOU.items():
        assert reg.name(code) == nm
        assert reg.is_county(code) and reg.is_current(code)
    zj = reg.counties(province="330000")
    assert set(HUZHOU) <= set(zj.column("code").to_pylist())


def test_retired_codes_are_kept_with_their_span() -> None:
    # 下城区 merged into 上城区/拱墅区 in 2021
    assert reg.name("330103") == "下城区"
    assert reg.is_county("330103") and not reg.is_current("330103")
    t = reg.region_table()
    row = t.filter(pc.equal(t.column("code"), "330103")).to_pylist()[0]
    assert row["first_seen"] <= "198012" and row["last_seen"] == "201904" and not row["current"]
    retired = reg.counties("33", current_only=False).num_rows - reg.counties("33").num_rows
    assert retired > 0


def test_reused_code_has_latest_name_and_full_history() -> None:
    assert reg.name("330502") == "吴兴区"
    h = reg.history_table()
    names = set(h.filter(pc.equal(h.column("code"), "330502")).column("name").to_pylist())
    assert names == {"城区", "吴兴区"}


def test_unknown_and_non_county_codes() -> None:
    assert reg.name("339999") is None and not reg.is_county("339999") and not reg.is_current("339999")
    assert not reg.is_county("330500") and reg.level("330500") == "prefecture"
    assert not reg.is_county("330000") and reg.is_current("330000")
    assert reg.is_current("810000")


def test_every_parent_is_a_known_code() -> None:
    t = reg.region_table()
    parents = set(t.column("parent").drop_null().to_pylist())
    assert parents <= set(t.column("code").to_pylist())
