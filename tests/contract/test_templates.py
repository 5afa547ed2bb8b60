"""The fill-in templates: one per contract table (the rooms' too), Chinese headers with units,
drop-downs for enumerations, an example row and a 说明 sheet — and a template filled in as a
department would (in the data sheet, keeping everything else) imports cleanly through the
real importer."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from zhizao.contract import TABLES
from zhizao.contract.templates import (
    DATA_SHEET,
    EXAMPLE_SHEET,
    NOTES_SHEET,
    header_of,
    write_all,
    write_template,
)
from zhizao.settings import Settings

#: tables whose rows name another table's keys are filled after it
ORDER = ["enterprises", "projects"]


def fill_like_a_department(template: Path, out: Path) -> int:
    """Open the template, copy the example row into the data sheet (as a user types it), save."""
    wb = openpyxl.load_workbook(template)
    sample, data = wb[EXAMPLE_SHEET], wb[DATA_SHEET]
    n = 0
    for j, cell in enumerate(sample[2], start=1):
        if cell.value is not None:
            data.cell(row=2, column=j, value=cell.value)
            n += 1
    wb.save(out)
    return n


def test_every_table_has_a_template_with_its_headers_units_and_notes(tmp_path: Path) -> None:
    paths = write_all(tmp_path, year=2024)
    assert {p.stem for p in paths} == set(TABLES)
    for p in paths:
        t = TABLES[p.stem]
        wb = openpyxl.load_workbook(p)
        assert wb.sheetnames[0] == DATA_SHEET and NOTES_SHEET in wb.sheetnames
        headers = [c.value for c in wb[DATA_SHEET][1]]
        assert headers == [header_of(t, c) for c in t.columns]
        notes = "\n".join(str(c.value) for row in wb[NOTES_SHEET].iter_rows() for c in row if c.value)
        for c in t.columns:
            assert header_of(t, c) in notes
        assert not any(c.name in notes.split() for c in t.columns if c.name.isascii() and "_" in c.name)


def test_money_and_area_headers_carry_their_units() -> None:
    t = TABLES["statistics_annual"]
    assert header_of(t, t.column("value_added")) == "工业增加值（万元）"
    assert header_of(t, t.column("employees")) == "年平均从业人员（人）"
    land = TABLES["land"]
    assert header_of(land, land.column("area_mu")) == "用地面积（亩）"
    energy = TABLES["energy"]
    assert header_of(energy, energy.column("quantity")) == "消费量"  # its unit is per row


def test_enumerations_and_yes_no_columns_have_drop_downs(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_template("energy", tmp_path / "energy.xlsx"))
    ws = wb[DATA_SHEET]
    lists = wb["选项"]
    ranges = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "C2" in ranges and "E2" in ranges  # 能源品种, 计量单位
    column = [c.value for c in lists["A"] if c.value]
    assert column[:3] == ["电力", "原煤", "焦炭"]
    assert wb["选项"].sheet_state == "hidden"
    stats = openpyxl.load_workbook(write_template("statistics_annual", tmp_path / "s.xlsx"))
    assert any(str(dv.sqref).startswith("C2") for dv in stats[DATA_SHEET].data_validations.dataValidation)


def test_a_filled_template_of_every_table_imports_cleanly(settings: Settings, tmp_path: Path) -> None:
    from zhizao.ingest import import_file

    folder = tmp_path / "templates"
    write_all(folder, year=2024)
    names = ORDER + [n for n in TABLES if n not in ORDER]
    for name in names:
        filled = tmp_path / f"{name}-filled.xlsx"
        assert fill_like_a_department(folder / f"{name}.xlsx", filled) >= len(
            [c for c in TABLES[name].columns if c.required])
        r = import_file(settings, name, filled, source="模板测试")
        assert (r.rows_loaded, r.rows_rejected) == (1, 0), (name, r.to_dict())


def test_the_cli_writes_one_template_or_all(tmp_path: Path) -> None:
    from zhizao.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["template", "tax", "--out", str(tmp_path / "税收.xlsx")])
    assert r.exit_code == 0, r.output
    assert [c.value for c in openpyxl.load_workbook(tmp_path / "税收.xlsx")[DATA_SHEET][1]] == [
        "统一社会信用代码", "年度", "实缴税金（万元）"]
    r = runner.invoke(app, ["template", "--all", "--out", str(tmp_path / "all")])
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "all").glob("*.xlsx"))) == len(TABLES)
    r = runner.invoke(app, ["template", "no_such_table"])
    assert r.exit_code != 0 and "未知的数据表" in r.output


@pytest.mark.parametrize("name", ["mujun_negative_list", "project_milestones", "water_use"])
def test_the_rooms_tables_of_this_wave_have_templates(name: str, tmp_path: Path) -> None:
    assert name in TABLES
    assert write_template(name, tmp_path / f"{name}.xlsx").stat().st_size > 5_000
