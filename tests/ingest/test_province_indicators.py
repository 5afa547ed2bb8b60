"""The optional ``province_indicators`` table: the province's figures and the city's rank, imported
like any department file (Chinese headers, every row loaded or rejected with a reason)."""

from __future__ import annotations

from zhizao.ingest import import_file


def test_province_indicators_load_with_chinese_headers_and_reject_bad_rows(settings, write):
    path = write("全省比较.csv", ["年度", "指标", "行政区划代码", "全省平均", "全省排名", "参与排名地区数"], [
        [2024, "value_added_growth", "330500", "5.9", 3, 11],
        [2024, "value_added_per_mu", "330500", "118.2", "", ""],
        [2024, "value_added_growth", "339999", "5.9", 3, 11],  # no such region
        [2024, "value_added_growth", "330200", "abc", 1, 11],  # not a number
    ])
    r = import_file(settings, "province_indicators", path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 2, 2)
    assert sorted((x.row, x.column, x.code) for x in r.rejects) == [(4, "行政区划代码", "unknown_code"), (5, "全省平均", "bad_number")]
    assert all(x.message for x in r.rejects)
