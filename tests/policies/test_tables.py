"""The benefits and water_use tables: contract declarations and import rejects."""

from __future__ import annotations

from zhizao.codes.credit_code import make
from zhizao.contract.tables import TABLES
from zhizao.ingest.importer import import_file
from zhizao.policies.catalogue import Catalogue

CODE = make("9", "1", "330502", "MA0000001")


def _enterprise(settings, tmp_path):
    f = tmp_path / "e.csv"
    f.write_text(f"统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期\n{CODE},测试企业,330502,3670,2010-01-01\n",
                 encoding="utf-8")
    assert import_file(settings, "enterprises", f).rows_loaded == 1


def test_benefits_and_water_use_are_contract_tables():
    assert TABLES["benefits"].key == ("credit_code", "item_id", "year")
    assert set(TABLES["benefits"].column("item_id").values) == {it.id for it in Catalogue().items}
    assert TABLES["water_use"].column("water_m3").unit_family == "volume"


def test_a_benefit_naming_an_unknown_item_or_a_negative_amount_is_rejected(settings, tmp_path):
    _enterprise(settings, tmp_path)
    f = tmp_path / "b.csv"
    f.write_text(
        "统一社会信用代码,年度,政策条目编号,类别,应享金额(万元),已兑现金额(万元),兑现日期\n"
        f"{CODE},2024,hz23-tech-upgrade,奖补,160,160,2025-03-01\n"
        f"{CODE},2024,no-such-item,奖补,10,0,\n"
        f"{CODE},2025,营业收入首次突破奖励,奖补,-20,0,\n"
        f"{CODE},2023,zj-diff-land-tax,减税,12,12,2024-06-30\n", encoding="utf-8")
    r = import_file(settings, "benefits", f)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 2, 2)
    rejects = {(x.row, x.column, x.code) for x in r.rejects}
    assert (3, "政策条目编号", "unknown_code") in rejects
    assert (4, "应享金额(万元)", "negative_value") in rejects
    msgs = " ".join(x.message for x in r.rejects)
    assert "no-such-item" in msgs and "负数" in msgs


def test_water_in_ten_thousand_cubic_metres_is_converted(settings, tmp_path):
    _enterprise(settings, tmp_path)
    f = tmp_path / "w.csv"
    f.write_text(f"统一社会信用代码,年度,用水量(万立方米)\n{CODE},2024,1.5\n", encoding="utf-8")
    r = import_file(settings, "water_use", f)
    assert r.rows_loaded == 1
    from zhizao.engine import connect

    eng = connect(settings, read_only=True)
    try:
        assert eng.to_pyarrow(eng.table("water_use")).column("water_m3").to_pylist() == [15000.0]
    finally:
        eng.close()
