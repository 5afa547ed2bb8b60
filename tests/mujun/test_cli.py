"""``zhizao mujun …`` end to end through the command line: one JSON document per command,
Chinese errors on standard error, the county lists, land notice and class-change workbooks."""

from __future__ import annotations

import json
import zipfile

from tests.mujun.citydata import Firm, code, load
from typer.testing import CliRunner

from zhizao.cli import app


def _city(year: int, bump: float = 0.0) -> list[Firm]:
    return [Firm(code(i), above=True, tax=100.0 + 40 * i + (bump if i == 1 else 0.0),
                 value_added=800.0 + 50 * i, parcels=[(f"P{i}", 10.0, "owned")],
                 energy={"electricity": 1e6}, emissions={"cod": 0.5}) for i in range(1, 7)]


def _xlsx_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def test_round_and_exports_through_the_cli(settings, tmp_path):
    load(settings, _city(2021), 2021, tmp_path)
    load(settings, _city(2022, bump=900.0), 2022,tmp_path)
    r = CliRunner()
    home = ["--home", str(settings.home)]

    def cli(*args: str) -> dict:
        res = r.invoke(app, [*home, *args, "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)

    # 2021 evaluated with the core command, 2022 through the workflow
    assert cli("evaluate", "mujun", "--year", "2021", "--methodology", "huzhou-mujun")["counts"]["firms"] == 6
    assert cli("mujun", "freeze", "--year", "2022", "--methodology", "huzhou-mujun", "--by", "analyst")["batches"]
    bad = r.invoke(app, [*home, "mujun", "results-notice", "--year", "2022", "--json"])
    assert bad.exit_code != 0 and "结果公示需要状态" in bad.stderr and bad.stdout == ""
    cli("mujun", "land-notice", "--year", "2022", "--days", "3")
    notice = tmp_path / "用地公示.xlsx"
    assert cli("mujun", "land-notice-export", "--year", "2022", "--out", str(notice))["firms"] == 6
    assert "用地面积公示" in _xlsx_text(notice) and code(3) in _xlsx_text(notice)
    early_score = r.invoke(app, [*home, "mujun", "score", "--year", "2022", "--json"])
    assert early_score.exit_code != 0 and "用地面积公示至" in early_score.stderr
    run_id = cli("mujun", "score", "--year", "2022", "--force")["run_id"]
    cli("mujun", "results-notice", "--year", "2022", "--days", "7")
    o = cli("mujun", "objection", "add", "--year", "2022", "--credit-code", code(2), "--subject", "用地面积",
            "--content", "宗地 P2 已部分退还", "--by", "firm-2")
    assert cli("mujun", "objection", "list", "--year", "2022")["objections"][0]["id"] == o["id"]
    cli("mujun", "objection", "decide", str(o["id"]), "--decision", "rejected", "--reason", "以不动产登记为准")
    early = r.invoke(app, [*home, "mujun", "publish", "--year", "2022", "--json"])
    assert early.exit_code != 0 and "异议期" in early.stderr
    assert cli("mujun", "publish", "--year", "2022", "--force")["run_id"] == run_id
    st = cli("mujun", "status", "--year", "2022")
    assert st["stage"] == "published" and [s["step"] for s in st["steps"]][-1] == "publish"

    lists = tmp_path / "名单.xlsx"
    assert cli("mujun", "export", "--year", "2022", "--out", str(lists))["run_id"] == run_id
    text = _xlsx_text(lists)
    assert "规上企业" in text and "亩均税收" in text and "综合得分" in text and "分类汇总" in text

    ch = cli("mujun", "changes", "--from", "2021", "--to", "2022", "--out", str(tmp_path / "变化.xlsx"))
    assert ch["run_to"] == run_id and sum(ch["counts"].values()) == 6
    up = [m for m in ch["moves"] if m["credit_code"] == code(1)]
    assert up and up[0]["change"] == "up"
    assert "分类变化矩阵" in _xlsx_text(tmp_path / "变化.xlsx")
