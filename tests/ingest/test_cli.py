"""``zhizao import``, ``batches``, ``tables`` and ``rejects``: one JSON document on stdout, Chinese
errors on stderr with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

from ingest_helpers import ENTERPRISE_HEADER, ENTERPRISE_ROWS, FIRMS, Writer
from typer.testing import CliRunner

from zhizao.cli import app
from zhizao.settings import Settings

TAX = ["统一社会信用代码", "年度", "实缴税金"]
IMPORT_KEYS = ["batch_id", "table", "rows_read", "rows_loaded", "rows_rejected", "rejects", "duplicate_of"]


def run(settings: Settings, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--home", str(settings.home), *args])


def test_import_json_is_the_contract_object(settings: Settings, write: Writer) -> None:
    rows = [*ENTERPRISE_ROWS, ["坏代码", "x", "330502", "2110", "2010-01-01"]]
    res = run(settings, "import", "enterprises", str(write("e.csv", ENTERPRISE_HEADER, rows)),
              "--source", "市场监管局", "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert list(doc) == IMPORT_KEYS
    assert (doc["table"], doc["rows_read"], doc["rows_loaded"], doc["rows_rejected"]) == ("enterprises", 6, 5, 1)
    assert doc["rejects"] == [{"row": 7, "column": "统一社会信用代码", "code": "bad_credit_code",
                               "message": "统一社会信用代码“坏代码”无效：应为18位，实际3位"}]
    assert doc["duplicate_of"] is None


def test_import_of_several_files_prints_one_document_with_a_list(settings: Settings, write: Writer) -> None:
    e = write("e.csv", ENTERPRISE_HEADER, ENTERPRISE_ROWS)
    run(settings, "import", "enterprises", str(e))
    a = write("a.csv", TAX, [[FIRMS[0], "2023", "1"]])
    b = write("b.csv", TAX, [[FIRMS[1], "2023", "2"], [FIRMS[1], "2023", "x"]])
    res = run(settings, "import", "tax", str(a), str(b), str(a), "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert list(doc) == ["imports"]
    first, second, third = doc["imports"]
    assert [list(x) for x in doc["imports"]] == [IMPORT_KEYS] * 3
    assert (first["rows_loaded"], second["rows_loaded"], second["rows_rejected"]) == (1, 1, 1)
    assert third["duplicate_of"] == first["batch_id"] and third["rows_read"] == 0


def test_batches_tables_and_rejects_json(settings: Settings, write: Writer) -> None:
    run(settings, "import", "enterprises", str(write("e.csv", ENTERPRISE_HEADER, ENTERPRISE_ROWS)))
    res = run(settings, "import", "tax", str(write("t.csv", TAX, [[FIRMS[0], "2023", "1"], [FIRMS[0], "", "2"]])),
              "--json")
    batch = json.loads(res.stdout)["batch_id"]

    batches = json.loads(run(settings, "batches", "--json").stdout)["batches"]
    assert [b["table"] for b in batches] == ["enterprises", "tax"]
    assert set(batches[1]) == {"batch_id", "table", "source", "file", "hash", "created_at", "rows_read",
                               "rows_loaded", "rows_rejected", "rows_current", "status", "duplicate_of"}
    assert (batches[1]["file"], batches[1]["rows_read"], batches[1]["status"]) == ("t.csv", 2, "current")
    assert len(batches[1]["hash"]) == 64

    tables = json.loads(run(settings, "tables", "--json").stdout)["tables"]
    assert tables["enterprises"] == 5 and tables["tax"] == 1 and tables["energy"] == 0

    rej = json.loads(run(settings, "rejects", str(batch), "--json").stdout)
    assert rej["rejects"] == [{"row": 3, "column": "年度", "code": "missing_required", "message": "“年度”为空（必填）"}]


def test_human_output_is_chinese(settings: Settings, write: Writer) -> None:
    res = run(settings, "import", "enterprises", str(write("e.csv", ENTERPRISE_HEADER, ENTERPRISE_ROWS)))
    assert res.exit_code == 0 and "已导入" in res.stdout and "加载 5 行" in res.stdout
    assert "现行" in run(settings, "batches").stdout
    assert "企业名录" in run(settings, "tables").stdout


def test_file_level_errors_exit_non_zero_with_chinese_message_and_empty_stdout(settings: Settings, write: Writer,
                                                                              tmp_path: Path) -> None:
    cases = [
        (["import", "nope", str(tmp_path / "x.csv")], "未知数据表"),
        (["import", "tax", str(tmp_path / "missing.csv")], "文件不存在"),
        (["import", "tax", str(write("t.csv", ["统一社会信用代码", "实缴税金"], []))], "缺少必需的列：年度"),
        (["import", "tax", str(write("u.csv", ["统一社会信用代码", "年度", "实缴税金(卢布)"], []))], "无法识别"),
        (["rejects", "42"], "批次不存在"),
    ]
    for args, message in cases:
        res = run(settings, *args, "--json")
        assert res.exit_code != 0, args
        assert res.stdout == "", args
        assert message in res.stderr, (args, res.stderr)


def test_rejected_rows_still_exit_zero(settings: Settings, write: Writer) -> None:
    res = run(settings, "import", "tax", str(write("t.csv", TAX, [[FIRMS[0], "2023", "1"]])), "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["rejects"][0]["code"] == "unknown_enterprise"
