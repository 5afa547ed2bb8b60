"""GB/T 4754-2017 classes, divisions and the category flags derived from codes."""

from __future__ import annotations

import pyarrow.compute as pc

from zhizao.codes import industries as ind


def test_class_table_has_every_class_once() -> None:
    t = ind.class_table()
    assert t.column_names == ["industry_code", "name", "group_code", "division_code", "division_name", "section"]
    assert t.num_rows == 1381
    assert pc.count_distinct(t.column("industry_code")).as_py() == 1381
    row = t.filter(pc.equal(t.column("industry_code"), "3841")).to_pylist()[0]
    assert row == {"industry_code": "3841", "name": "锂离子电池制造", "group_code": "384",
                   "division_code": "38", "division_name": "电气机械和器材制造业", "section": "C"}


def test_division_table() -> None:
    t = ind.division_table()
    assert t.column_names == ["division_code", "name", "section"]
    assert t.num_rows == 97
    manufacturing = t.filter(pc.equal(t.column("section"), "C"))
    assert manufacturing.column("division_code").to_pylist() == [str(d) for d in range(13, 44)]


def test_lookups() -> None:
    assert ind.name("3011") == "水泥制造"
    assert ind.name("C2110") == "木质家具制造"
    assert ind.name("30") == "非金属矿物制品业"
    assert ind.name("9999") is None
    assert ind.division_of("3841") == "38"
    assert ind.division_of("384") == "38"
    assert ind.division_of("3848") is None
    assert ind.is_class("1751") and ind.name("1751") == "化纤织造加工"
    assert not ind.is_class("175") and not ind.is_class("17") and not ind.is_class("abcd")
    assert ind.section_of("3841") == "C"


def test_flags_equipment_switch_for_division_43() -> None:
    flags = ind.industry_flags()
    assert flags.column_names == ["industry_code", "division_code", "equipment", "high_tech",
                                  "digital_core", "strategic_emerging"]
    eq = flags.filter(flags.column("equipment"))
    assert set(eq.column("division_code").to_pylist()) == {str(d) for d in range(33, 41)}
    with43 = ind.industry_flags(include_43=True)
    assert set(with43.filter(with43.column("equipment")).column("division_code").to_pylist()) == \
        {str(d) for d in range(33, 41)} | {"43"}


def test_high_tech_is_the_85_class_list_in_six_categories() -> None:
    ht = ind.hightech_table()
    assert ht.num_rows == 85
    assert pc.count_distinct(ht.column("category_code")).as_py() == 6
    flags = ind.industry_flags()
    assert pc.sum(flags.column("high_tech")).as_py() == 85
    by_code = dict(zip(flags.column("industry_code").to_pylist(), flags.column("high_tech").to_pylist(), strict=True))
    assert by_code["2710"] and by_code["3973"] and not by_code["3011"] and not by_code["2110"]


def test_digital_core_covers_division_39_and_cites_its_source() -> None:
    flags = ind.industry_flags()
    div39 = flags.filter(pc.equal(flags.column("division_code"), "39"))
    assert pc.all(div39.column("digital_core")).as_py()
    dc = ind.digital_core_table()
    assert all(ind.is_class(c) for c in dc.column("industry_code").to_pylist())
    assert all("2021" in s for s in dc.column("source").to_pylist())
    assert set(dc.column("category_code").to_pylist()) == {"0101", "0102", "0103", "0104", "0105", "0106"}
    # 工业机器人 (0104 智能设备制造) is outside division 39 yet in the list
    assert flags.filter(pc.equal(flags.column("industry_code"), "3491")).column("digital_core")[0].as_py()


def test_strategic_emerging_is_manufacturing_and_sourced() -> None:
    se = ind.strategic_emerging_table()
    assert se.num_rows > 0
    assert all(ind.section_of(c) == "C" for c in se.column("industry_code").to_pylist())
    assert all("2018" in s for s in se.column("source").to_pylist())
    flags = ind.industry_flags()
    by_code = dict(zip(flags.column("industry_code").to_pylist(),
                       flags.column("strategic_emerging").to_pylist(), strict=True))
    assert by_code["3612"] and by_code["3973"] and not by_code["3011"] and not by_code["1811"]


def test_names_in_mapping_files_match_the_classification() -> None:
    for t in (ind.digital_core_table(), ind.strategic_emerging_table()):
        for code, nm in zip(t.column("industry_code").to_pylist(), t.column("class_name").to_pylist(), strict=True):
            assert ind.name(code) == nm
    ht = ind.hightech_table()
    assert all(ind.is_class(c) for c in ht.column("class_code").to_pylist())
