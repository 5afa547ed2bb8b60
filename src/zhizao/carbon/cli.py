"""``zhizao carbon``: explain a grade, what-if, the Excel grade list, monthly monitoring."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, err_console, fail, out_console, run_and_results, settings_from

carbon_app = typer.Typer(help="工业碳效码：解释、情景模拟、导出、月度监测", no_args_is_help=True)

YearOpt = Annotated[int, typer.Option("--year", help="评价年度")]
MethodologyOpt = Annotated[str | None, typer.Option("--methodology", help="方法论名称、NAME@VERSION 或 YAML 文件")]


def register(app: typer.Typer) -> None:
    app.add_typer(carbon_app, name="carbon")


def _methodology(name: str | None, year: int) -> Any:
    from zhizao.methodology import MethodologyError, find

    try:
        return find(name, "carbon", year)
    except MethodologyError as exc:
        fail(str(exc))


def _engine(ctx: typer.Context) -> Any:
    from zhizao.engine import connect

    settings = settings_from(ctx)
    if not settings.warehouse_path.exists():
        fail(f"数据仓库不存在: {settings.warehouse_path}（请先导入数据）")
    return connect(settings, "duckdb", read_only=True)


def _f(v: Any, digits: int = 2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return str(v)


def _render_explain(d: dict[str, Any]) -> None:
    from rich.table import Table

    r = d["result"]
    out_console.print(f"[bold]{d['name']}[/]（{d['credit_code']}）{d['year']} 年碳效评价，方法论 {d['methodology']}")
    if r["status"] != "graded":
        out_console.print(f"[yellow]未评级[/]：{r['reason']}")
    else:
        out_console.print(f"碳效标识 [bold]{r['label']}[/]（{r['colour']}），碳效值 K = {_f(r['k_value'], 3)}，"
                          f"碳排放强度 {_f(r['intensity'], 3)} tCO2/万元，行业基准 {_f(r['benchmark_intensity'], 3)}，"
                          f"碳中和率 {_f((r['neutrality_rate'] or 0) * 100, 1)}%")
    t = Table("能源品种", "消费量", "单位", "排放因子(tCO2/单位)", "排放量(tCO2)", "折标煤(tce)", title="分能源品种排放")
    for e in d["by_energy"]:
        t.add_row(e["name"] + ("" if e["counted"] else "（单独报告）"), _f(e["quantity"]), e["unit"],
                  _f(e["co2_factor_t_per_unit"], 6), _f(e["emissions_t"]), _f(e["energy_tce"]))
    out_console.print(t)
    if d["zero_carbon"]:
        z = Table("类别", "数量", "单位", "抵消量(tCO2)", "扣减排放(tCO2)", title="零碳电力与碳汇")
        for e in d["zero_carbon"]:
            z.add_row(e["name"], _f(e["quantity"]), e["unit"], _f(e["offset_t"]), _f(e["netted_t"]))
        out_console.print(z)
    b = d["benchmark"]
    out_console.print(f"对标行业 {b['code']}（{b['level']}）：{b['firms']} 家参评企业，净排放合计 "
                      f"{_f(b['sum_net_emissions_t'])} tCO2，增加值合计 {_f(b['sum_value_added'])} 万元，"
                      f"基准强度 {_f(b['intensity'], 3)}")
    out_console.print(f"提升路径：{d['next_grade'].get('message', '')}")
    for n in d["notes"]:
        out_console.print(f"[dim]说明：{n}[/]")


@carbon_app.command("explain")
def explain_cmd(ctx: typer.Context, credit_code: Annotated[str, typer.Argument(help="统一社会信用代码")],
                year: YearOpt, methodology: MethodologyOpt = None, as_json: JsonOpt = False) -> None:
    """解释一家企业的碳效等级：分能源排放、行业基准、距更优等级的差距。"""
    from zhizao.carbon.explain import FirmNotFound, explain

    m = _methodology(methodology, year)
    eng = _engine(ctx)
    try:
        d = explain(eng, m, year, credit_code.strip().upper())
    except FirmNotFound as exc:
        fail(str(exc))
    finally:
        eng.close()
    emit(d, as_json, _render_explain)


def _parse_savings(items: list[str]) -> dict[str, float]:
    from zhizao.contract.tables import ENERGY_TYPES

    names = {alias: k for k, v in ENERGY_TYPES.items() for alias in (k, *v)}
    out: dict[str, float] = {}
    for item in items:
        kind, sep, pct = item.partition("=")
        kind = kind.strip()
        if not sep or kind not in names:
            fail(f"--save 应写作 能源品种=百分比，例如 raw_coal=10 或 电力=5：{item}")
        try:
            out[names[kind]] = float(pct.rstrip("%"))
        except ValueError:
            fail(f"--save 的百分比不是数字: {item}")
    return out


@carbon_app.command("whatif")
def whatif_cmd(
    ctx: typer.Context,
    credit_code: Annotated[str, typer.Argument(help="统一社会信用代码")],
    year: YearOpt,
    pv_kwh: Annotated[float, typer.Option("--pv-kwh", help="新增光伏自发自用电量（千瓦时）")] = 0.0,
    coal_to_gas: Annotated[float, typer.Option("--coal-to-gas", help="以等热值天然气替代的原煤（吨）")] = 0.0,
    save: Annotated[list[str] | None, typer.Option("--save", help="节能：能源品种=百分比，可重复")] = None,
    methodology: MethodologyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """情景模拟：增加光伏、煤改气、节能后的碳效等级（不改动已入库数据）。"""
    from zhizao.carbon.explain import FirmNotFound
    from zhizao.carbon.whatif import WhatIfError, whatif

    changes: dict[str, Any] = {"pv_kwh": pv_kwh, "coal_to_gas_t": coal_to_gas, "savings": _parse_savings(save or [])}
    if not (pv_kwh or coal_to_gas or changes["savings"]):
        fail("请至少给出一项情景：--pv-kwh、--coal-to-gas 或 --save")
    m = _methodology(methodology, year)
    eng = _engine(ctx)
    try:
        d = whatif(eng, m, year, credit_code.strip().upper(), changes)
    except (FirmNotFound, WhatIfError) as exc:
        fail(str(exc))
    finally:
        eng.close()

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        out_console.print(f"[bold]{d['name']}[/]（{d['credit_code']}）{d['year']} 年情景模拟")
        for a in d["applied"]:
            out_console.print(f"  · {a}")
        t = Table("指标", "现状", "情景")
        for key, label, digits in (("emissions_t", "碳排放总量(tCO2)", 2), ("net_emissions_t", "净排放量(tCO2)", 2),
                                   ("intensity", "碳排放强度", 3), ("benchmark_intensity", "行业基准", 3),
                                   ("k_value", "碳效值K", 3), ("label", "碳效标识", 0),
                                   ("neutrality_rate", "碳中和率", 4)):
            t.add_row(label, _f(d["before"][key], digits), _f(d["after"][key], digits))
        out_console.print(t)
        out_console.print(f"[dim]{d['note']}[/]")

    emit(d, as_json, render)


@carbon_app.command("export")
def export_cmd(ctx: typer.Context, run_id: Annotated[str, typer.Argument(help="运行编号")],
               out: Annotated[Path, typer.Option("--out", help="输出的 Excel 文件")], as_json: JsonOpt = False) -> None:
    """导出碳效等级清单（按区县分表，含汇总表）。"""
    from zhizao.carbon.export import write_grade_list

    run, table = run_and_results(settings_from(ctx), run_id)
    if run.method != "carbon":
        fail(f"运行 {run_id} 不是碳效码评价（{run.method}）")
    info = write_grade_list(table, out, title=f"{run.year} 年工业碳效等级清单",
                            notes=[f"运行 {run.run_id}，方法论 {run.methodology_name}@{run.methodology_version}",
                                   *run.notes])
    emit({"run_id": run_id, "out": str(out), **info}, as_json,
         lambda d: out_console.print(f"已写出 {d['firms']} 家企业、{d['sheets']} 个工作表到 {d['out']}"))


@carbon_app.command("monitor")
def monitor_cmd(ctx: typer.Context, year: YearOpt,
                month: Annotated[int | None, typer.Option("--month", help="截至月份（默认最新）")] = None,
                methodology: MethodologyOpt = None, as_json: JsonOpt = False) -> None:
    """月度累计监测：截至某月的碳效等级分布与等级变化的企业。"""
    from zhizao.carbon.monitor import summary

    if month is not None and not 1 <= month <= 12:
        fail("--month 应在 1–12 之间")
    m = _methodology(methodology, year)
    eng = _engine(ctx)
    try:
        with err_console.status("计算月度累计碳效…"):
            d = summary(eng, m, year, month)
    except LookupError as exc:
        fail(str(exc))
    finally:
        eng.close()

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        t = Table("月份", "参评", "1级", "2级", "3级", "4级", "5级", "未评级", title=f"{year} 年累计碳效等级分布")
        for r in d["months"]:
            t.add_row(r["month"], str(r["graded"]), *(str(r["grades"].get(str(g), 0)) for g in range(1, 6)),
                      str(r["ungraded"]))
        out_console.print(t)
        w = Table("企业", "名称", "上月等级", "本月等级", "碳效值K", title=f"截至 {d['month']} 等级变差的企业")
        for r in d["worsened"][:50]:
            w.add_row(r["credit_code"], r["name"], str(r["previous_grade"]), str(r["grade"]), _f(r["k_value"], 3))
        out_console.print(w)

    emit(d, as_json, render)
