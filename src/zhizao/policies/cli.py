"""``zhizao policies …``: policy items, matching, the ledger, differential lists, and the
delivery workflow (notices, objections, payouts, applications, consents, questions/complaints)."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from

YearOpt = Annotated[int, typer.Option("--year", help="年度")]
ByOpt = Annotated[str | None, typer.Option("--by", help="操作人（默认当前系统用户）")]
EngineOpt = Annotated[str | None, typer.Option("--engine", help="计算引擎：duckdb（默认）或 spark")]
CodeOpt = Annotated[str | None, typer.Option("--credit-code", help="统一社会信用代码（只看一家企业）")]
RegionOpt = Annotated[str | None, typer.Option("--region", help="行政区划代码（只看一个区县）")]
DateOpt = Annotated[str | None, typer.Option("--date", help="业务日期 YYYY-MM-DD（默认今天）")]

policies_app = typer.Typer(help="一指减负、直达快享：政策条目、免申即享匹配、兑现台账、公示兑现、快申快享、授权与诉求",
                           no_args_is_help=True)
notice_app = typer.Typer(help="免申即享名单公示：开始、查看、结束、兑现", no_args_is_help=True)
objection_app = typer.Typer(help="公示异议：提交、处理、列出", no_args_is_help=True)
application_app = typer.Typer(help="快申快享申请：一键申请、审核、兑现、列出", no_args_is_help=True)
consent_app = typer.Typer(help="数据使用授权（按用途）：授权、撤销、列出", no_args_is_help=True)
ticket_app = typer.Typer(help="咨询与投诉：提交、答复、超时升级、满意度评价、列出", no_args_is_help=True)
for sub, name in ((notice_app, "notice"), (objection_app, "objection"), (application_app, "application"),
                  (consent_app, "consent"), (ticket_app, "ticket")):
    policies_app.add_typer(sub, name=name)


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"


def _date(v: str | None, what: str = "日期") -> dt.date | None:
    if v is None:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        fail(f"{what}格式应为 YYYY-MM-DD：{v}")


def _store(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from zhizao.store.db import init_store

    settings = settings_from(ctx).ensure()
    init_store(settings)
    return settings


def _do(fn, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-untyped-def]
    from zhizao.policies.catalogue import CatalogueError
    from zhizao.policies.workdays import CalendarError
    from zhizao.policies.workflow import WorkflowError

    try:
        return fn(*args, **kwargs)
    except (WorkflowError, CatalogueError, CalendarError) as exc:
        fail(str(exc))


def _say(text: str):  # type: ignore[no-untyped-def]
    return lambda _d: out_console.print(text, highlight=False)


def _money(v: float | None) -> str:
    return "—" if v is None else f"{v:,.2f} 万元"


# ---------------------------------------------------------------- items


@policies_app.command("list")
def list_cmd(year: Annotated[int | None, typer.Option("--year", help="只列该年度有效的条目")] = None,
             as_json: JsonOpt = False) -> None:
    """政策条目：发文机关、文号、有效期、类型、兑现方式（免申即享 / 快申快享）。"""
    from zhizao.policies.catalogue import Catalogue, describe

    cat = _do(Catalogue)
    items = cat.for_year(year) if year is not None else cat.items
    rows = [describe(it, cat.document_of(it.id)) for it in items]

    def render(rows: list[dict[str, Any]]) -> None:
        from rich.table import Table

        t = Table("编号", "条目", "类型", "兑现方式", "文号", "有效期")
        for r in rows:
            d = r["document"]
            t.add_row(r["item_id"], r["title"], r["type"], r["mode_label"], d["number"],
                      f"{r['valid_from']} 至 {r['valid_to'] or '长期'}")
        out_console.print(t)

    emit({"items": rows}, as_json, render)


@policies_app.command("show")
def show_cmd(item_id: Annotated[str, typer.Argument(help="政策条目编号")], as_json: JsonOpt = False) -> None:
    """一个政策条目的全部内容：适用条件、兑现标准、叠加规则、来源。"""
    from zhizao.policies.catalogue import Catalogue, describe

    cat = _do(Catalogue)
    d = describe(_do(cat.item, item_id), cat.document_of(item_id))

    def render(d: dict[str, Any]) -> None:
        doc = d["document"]
        out_console.print(f"[bold]{d['title']}[/]（{d['type']}，{d['mode_label']}）", highlight=False)
        out_console.print(f"依据：{doc['title']}（{doc['number']}，{doc['issuer']}）{d['clause']}", highlight=False)
        out_console.print(f"内容：{d['summary']}", highlight=False)
        out_console.print(f"兑现方式说明：{d['mode_reason']}", highlight=False)
        for r in d["eligibility"]:
            out_console.print(f"  · 条件 {r['label']}：{r['measure']} {r['op']} {r['value']}{r.get('unit', '')}",
                              highlight=False)
        out_console.print(f"兑现标准：{d['benefit'].get('text', '')}；兑现时限 {d['payout_working_days']} 个工作日；"
                          f"责任单位 {d['office']}；咨询电话 {d['hotline']}", highlight=False)

    emit(d, as_json, render)


@policies_app.command("validate")
def validate_cmd(file: Annotated[Path, typer.Argument(help="政策文件（YAML）")], as_json: JsonOpt = False) -> None:
    """校验一个政策文件（适用条件只能引用已知指标，每个数值都要有来源）。"""
    from zhizao.policies.catalogue import load_file

    doc = _do(load_file, file)
    emit({"name": doc.name, "version": doc.version, "number": doc.number, "items": [it.id for it in doc.items],
          "valid": True}, as_json, _say(f"[green]校验通过[/] {doc.title}（{doc.number}），{len(doc.items)} 个条目"))


# ---------------------------------------------------------------- matching, ledger, differential


@policies_app.command("match")
def match_cmd(ctx: typer.Context, year: YearOpt,
              item: Annotated[list[str] | None, typer.Option("--item", help="只匹配这些条目（可重复）")] = None,
              region: RegionOpt = None, credit_code: CodeOpt = None,
              eligible_only: Annotated[bool, typer.Option("--eligible-only", help="只输出符合或可申报的")] = False,
              save: Annotated[bool, typer.Option("--save", help="保存为本年度的匹配结果（页面和接口读取）")] = False,
              engine: EngineOpt = None, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """每家企业（项目）对每个政策条目：是否符合、兑现方式、应享金额、原因与差距。"""
    from zhizao.policies.data import run_match
    from zhizao.policies.match import to_rows

    settings = _store(ctx)
    table = _do(run_match, settings, year, item, engine, region, credit_code)
    rows = to_rows(table)
    if save:
        if item or region or credit_code:
            fail("保存匹配结果时不能只匹配部分条目、区县或企业")
        from zhizao.policies.prepared import save as save_rows

        save_rows(settings, year, rows, _who(by))
    if eligible_only:
        rows = [r for r in rows if r["eligible"] is not False]
    counts = {"rows": len(rows), "eligible": sum(r["eligible"] is True for r in rows),
              "not_eligible": sum(r["eligible"] is False for r in rows),
              "unknown": sum(r["eligible"] == "unknown" for r in rows),
              "expected_benefit": round(sum(r["expected_benefit"] or 0 for r in rows if r["eligible"] is True), 4)}

    def render(d: dict[str, Any]) -> None:
        c = d["counts"]
        out_console.print(f"{year} 年度：匹配 {c['rows']:,} 条，符合 {c['eligible']:,}，不符合 {c['not_eligible']:,}，"
                          f"待申报或数据不全 {c['unknown']:,}；免申即享应享合计 {_money(c['expected_benefit'])}",
                          highlight=False)

    emit({"year": year, "saved": save, "counts": counts, "matches": rows}, as_json, render)


@policies_app.command("ledger")
def ledger_cmd(ctx: typer.Context, year: YearOpt, credit_code: CodeOpt = None, region: RegionOpt = None,
               date: DateOpt = None, engine: EngineOpt = None, as_json: JsonOpt = False) -> None:
    """兑现台账：按企业和类别（减税/减费/减租/减息/减支/奖补）的应享、已兑现、兑现率、逾期；按区县和政策合计。"""
    from zhizao.policies.ledger import ledger

    settings = _store(ctx)
    d = _do(ledger, settings, year, credit_code, region, _date(date), engine)

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        tot = d["total"]
        out_console.print(f"{year} 年度兑现台账：{tot['firms']:,} 家企业，应享 {_money(tot['expected'])}，"
                          f"已兑现 {_money(tot['paid'])}，逾期 {_money(tot['overdue'])}", highlight=False)
        t = Table("类别", "应享（万元）", "已兑现（万元）", "兑现率", "逾期（万元）")
        for k in d["by_kind"]:
            t.add_row(k["kind_label"], f"{k['expected']:,.2f}", f"{k['paid']:,.2f}",
                      "—" if k["rate"] is None else f"{k['rate']:.1%}", f"{k['overdue']:,.2f}")
        out_console.print(t)

    emit(d, as_json, render)


@policies_app.command("differential")
def differential_cmd(ctx: typer.Context, year: YearOpt,
                     item: Annotated[str, typer.Option("--item", help="差别化条目，如 zj-diff-electricity")] = "zj-diff-electricity",
                     region: RegionOpt = None,
                     out: Annotated[Path | None, typer.Option("--out", help="导出送供电（供水）企业的名单（Excel）")] = None,
                     engine: EngineOpt = None, as_json: JsonOpt = False) -> None:
    """差别化措施：每家企业的类别、基数、标准和影响金额（万元）；可导出送供电公司的名单。"""
    from zhizao.engine import connect
    from zhizao.policies.catalogue import Catalogue
    from zhizao.policies.data import inputs
    from zhizao.policies.differential import effects, write_list

    settings = _store(ctx)
    it = _do(Catalogue().item, item)
    if not it.differential or it.benefit.formula != "by_class":
        fail(f"「{it.title}」不是按类别执行的差别化条目")
    eng = connect(settings, engine, read_only=True)
    try:
        t = effects(inputs(settings, eng, year), year, it)
        if region:
            t = t.filter(t.region_code == region)
        rows = eng.to_pyarrow(t.order_by(["region_code", "credit_code"])).to_pylist()
    finally:
        eng.close()
    doc: dict[str, Any] = {"year": year, "item_id": item, "firms": len(rows),
                           "total_effect": round(sum(r["effect"] for r in rows), 4), "rows": rows}
    if out is not None:
        write_list(out, rows, it, year, region)
        doc["out"] = str(out)
    emit(doc, as_json, _say(f"{it.title}：{len(rows):,} 家企业，合计 {_money(doc['total_effect'])}"
                            + (f"，已导出 {out}" if out else "")))


@policies_app.command("workdays")
def workdays_cmd(start: Annotated[str, typer.Option("--from", help="起算日 YYYY-MM-DD")],
                 days: Annotated[int, typer.Option("--days", help="工作日数")], as_json: JsonOpt = False) -> None:
    """按工作日历（周末、法定节假日与调休）计算期限：起算日后第 N 个工作日。"""
    from zhizao.policies import workdays

    d0 = _date(start, "起算日")
    assert d0 is not None
    due = _do(workdays.default().add, d0, days)
    emit({"from": d0, "working_days": days, "due_on": due}, as_json, _say(f"{d0} 起第 {days} 个工作日：{due}"))


# ---------------------------------------------------------------- notices, objections, payouts


@notice_app.command("open")
def notice_open_cmd(ctx: typer.Context, year: YearOpt, item: Annotated[str, typer.Option("--item", help="免申即享条目")],
                    days: Annotated[int, typer.Option("--days", help="公示期（工作日，3–10）")] = 5,
                    date: DateOpt = None, engine: EngineOpt = None, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """公示免申即享名单：列出数据证明符合条件的企业和应享金额，开放异议。"""
    from zhizao.policies import workflow
    from zhizao.policies.data import run_match
    from zhizao.policies.match import to_rows

    settings = _store(ctx)
    rows = to_rows(_do(run_match, settings, year, [item], engine))
    d = _do(workflow.open_notice, settings, year, item, rows, _who(by), days=days, today=_date(date))
    emit(d, as_json, _say(f"[green]已公示[/] 编号 {d['id']}：{d['firms']:,} 家企业，合计 {_money(d['total'])}，"
                          f"异议期至 {d['closes_on']}，兑现期限 {d['payout_due_on']}"))


@notice_app.command("list")
def notice_list_cmd(ctx: typer.Context, year: Annotated[int | None, typer.Option("--year")] = None,
                    as_json: JsonOpt = False) -> None:
    """全部公示。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    emit({"notices": workflow.notices(settings, year)}, as_json)


@notice_app.command("show")
def notice_show_cmd(ctx: typer.Context, notice_id: int, as_json: JsonOpt = False) -> None:
    """一次公示及其名单。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    emit(_do(workflow.notice, settings, notice_id), as_json)


@notice_app.command("close")
def notice_close_cmd(ctx: typer.Context, notice_id: int, date: DateOpt = None,
                     force: Annotated[bool, typer.Option("--force", help="公示期未满也结束")] = False,
                     by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """结束公示（异议均已处理）。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    d = _do(workflow.close_notice, settings, notice_id, _who(by), today=_date(date), force=force)
    emit(d, as_json, _say(f"[green]公示 {notice_id} 已结束[/]：{d['firms']:,} 家企业，合计 {_money(d['total'])}"))


@notice_app.command("pay")
def notice_pay_cmd(ctx: typer.Context, notice_id: int, date: DateOpt = None,
                   reference: Annotated[str | None, typer.Option("--reference", help="拨付凭证号")] = None,
                   by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """兑现：为已授权收款的企业登记拨付记录。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    d = _do(workflow.pay_notice, settings, notice_id, _who(by), paid_on=_date(date), reference=reference)
    emit(d, as_json, _say(f"[green]已兑现[/] {d['paid']:,} 家，{_money(d['amount'])}；"
                          f"待企业确认收款授权 {len(d['awaiting_consent']):,} 家"))


@objection_app.command("add")
def objection_add_cmd(ctx: typer.Context, notice_id: int, credit_code: Annotated[str, typer.Option("--credit-code")],
                      subject: Annotated[str, typer.Option("--subject", help="事由")],
                      content: Annotated[str, typer.Option("--content", help="具体内容")],
                      date: DateOpt = None, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """对公示名单提出异议。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    d = _do(workflow.object_to, settings, notice_id, credit_code, _who(by), subject, content, today=_date(date))
    emit(d, as_json, _say(f"[green]已提交异议[/] 编号 {d['id']}"))


@objection_app.command("decide")
def objection_decide_cmd(ctx: typer.Context, objection_id: int,
                         decision: Annotated[str, typer.Option("--decision", help="accepted 采纳 / rejected 不采纳")],
                         reason: Annotated[str, typer.Option("--reason", help="理由")],
                         amount: Annotated[float | None, typer.Option("--amount", help="采纳时更正后的金额（万元）；不填则撤出名单")] = None,
                         by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """处理异议：采纳（撤出名单或更正金额）或不采纳，均需理由。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    d = _do(workflow.decide, settings, objection_id, decision, reason, _who(by), corrected=amount)
    emit(d, as_json, _say(f"[green]异议 {objection_id} 已处理[/]"))


@objection_app.command("list")
def objection_list_cmd(ctx: typer.Context, notice: Annotated[int | None, typer.Option("--notice")] = None,
                       as_json: JsonOpt = False) -> None:
    """公示异议列表。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    emit({"objections": workflow.objections(settings, notice)}, as_json)


# ---------------------------------------------------------------- applications


@application_app.command("file")
def application_file_cmd(ctx: typer.Context, year: YearOpt, item: Annotated[str, typer.Option("--item")],
                         credit_code: Annotated[str, typer.Option("--credit-code")],
                         subject: Annotated[str, typer.Option("--subject", help="项目编号（项目类条目）")] = "",
                         amount: Annotated[float | None, typer.Option("--amount", help="申请金额（万元）")] = None,
                         date: DateOpt = None, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """快申快享：一键申请，自受理起 60 个工作日内兑现。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    d = _do(workflow.apply, settings, year, item, credit_code, _who(by), subject=subject, claimed=amount,
            today=_date(date))
    emit(d, as_json, _say(f"[green]已受理[/] 申请 {d['id']}，兑现期限 {d['due_on']}"))


@application_app.command("decide")
def application_decide_cmd(ctx: typer.Context, application_id: int,
                           decision: Annotated[str, typer.Option("--decision", help="accepted 通过 / rejected 不予支持")],
                           reason: Annotated[str, typer.Option("--reason")],
                           amount: Annotated[float | None, typer.Option("--amount", help="核定金额（万元）")] = None,
                           date: DateOpt = None, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """审核快申快享申请。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    d = _do(workflow.decide_application, settings, application_id, decision, reason, _who(by), approved=amount,
            today=_date(date))
    emit(d, as_json, _say(f"[green]申请 {application_id}：{d['status_label']}[/]"))


@application_app.command("pay")
def application_pay_cmd(ctx: typer.Context, application_id: int, date: DateOpt = None,
                        reference: Annotated[str | None, typer.Option("--reference")] = None,
                        by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """兑现审核通过的申请。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    d = _do(workflow.pay_application, settings, application_id, _who(by), paid_on=_date(date), reference=reference)
    emit(d, as_json, _say(f"[green]已兑现[/] 申请 {application_id}：{_money(d['approved'])}"
                          + ("" if d["on_time"] else "（已超过期限）")))


@application_app.command("list")
def application_list_cmd(ctx: typer.Context, year: Annotated[int | None, typer.Option("--year")] = None,
                         credit_code: CodeOpt = None, region: RegionOpt = None, date: DateOpt = None,
                         as_json: JsonOpt = False) -> None:
    """快申快享申请及剩余工作日。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    emit({"applications": workflow.applications(settings, year, credit_code, region, _date(date))}, as_json)


# ---------------------------------------------------------------- consents


@consent_app.command("grant")
def consent_grant_cmd(ctx: typer.Context, credit_code: Annotated[str, typer.Option("--credit-code")],
                      purpose: Annotated[str, typer.Option("--purpose", help="policy_matching / payout / bank_credit / data_sharing")],
                      recipient: Annotated[str, typer.Option("--recipient", help="数据使用方")],
                      valid_from: Annotated[str, typer.Option("--from")], valid_to: Annotated[str, typer.Option("--to")],
                      by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """企业按用途授权数据使用（可随时撤销）。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    a, b = _date(valid_from), _date(valid_to)
    assert a is not None and b is not None
    d = _do(workflow.grant_consent, settings, credit_code, purpose, recipient, a, b, _who(by))
    emit(d, as_json, _say(f"[green]已授权[/] {d['purpose_label']} → {d['recipient']}（{a} 至 {b}）"))


@consent_app.command("revoke")
def consent_revoke_cmd(ctx: typer.Context, consent_id: int, credit_code: Annotated[str, typer.Option("--credit-code")],
                       by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """撤销授权（立即生效）。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    emit(_do(workflow.revoke_consent, settings, consent_id, credit_code, _who(by)), as_json,
         _say(f"[green]已撤销授权 {consent_id}[/]"))


@consent_app.command("list")
def consent_list_cmd(ctx: typer.Context, credit_code: CodeOpt = None, as_json: JsonOpt = False) -> None:
    """授权列表。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    emit({"consents": workflow.list_consents(settings, credit_code)}, as_json)


# ---------------------------------------------------------------- questions and complaints


@ticket_app.command("file")
def ticket_file_cmd(ctx: typer.Context, kind: Annotated[str, typer.Option("--kind", help="question 咨询 / complaint 投诉")],
                    credit_code: Annotated[str, typer.Option("--credit-code")],
                    subject: Annotated[str, typer.Option("--subject")], content: Annotated[str, typer.Option("--content")],
                    item: Annotated[str | None, typer.Option("--item", help="涉及的政策条目（按条目转责任单位）")] = None,
                    channel: Annotated[str, typer.Option("--channel", help="web 或 12345")] = "web",
                    ref_12345: Annotated[str | None, typer.Option("--ref-12345", help="12345 工单编号")] = None,
                    date: DateOpt = None, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """提交咨询（1 个工作日内答复）或投诉（3 个工作日内答复）。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    d = _do(workflow.file_ticket, settings, kind, credit_code, subject, content, _who(by), item_id=item,
            channel=channel, ref_12345=ref_12345, today=_date(date))
    emit(d, as_json, _say(f"[green]已受理{d['kind_label']}[/] {d['id']}，转 {d['office']}，答复期限 {d['due_on']}"))


@ticket_app.command("answer")
def ticket_answer_cmd(ctx: typer.Context, ticket_id: int, answer: Annotated[str, typer.Option("--answer")],
                      date: DateOpt = None, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """答复咨询或投诉。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    d = _do(workflow.answer_ticket, settings, ticket_id, answer, _who(by), today=_date(date))
    emit(d, as_json, _say(f"[green]已答复[/] {ticket_id}" + ("" if d["answered_in_time"] else "（超过答复期限）")))


@ticket_app.command("escalate")
def ticket_escalate_cmd(ctx: typer.Context, date: DateOpt = None, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """超过答复期限未答复的事项升级督办。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    d = workflow.escalate_overdue(settings, _who(by), today=_date(date))
    emit({"escalated": d}, as_json, _say(f"升级督办 {len(d)} 件"))


@ticket_app.command("rate")
def ticket_rate_cmd(ctx: typer.Context, ticket_id: int, credit_code: Annotated[str, typer.Option("--credit-code")],
                    satisfaction: Annotated[int, typer.Option("--satisfaction", help="满意度 1–5")],
                    by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """企业对答复进行满意度评价（1–5 分）。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    emit(_do(workflow.rate_ticket, settings, ticket_id, credit_code, satisfaction, _who(by)), as_json,
         _say(f"[green]已评价[/] {ticket_id}：{satisfaction} 分"))


@ticket_app.command("list")
def ticket_list_cmd(ctx: typer.Context, credit_code: CodeOpt = None, region: RegionOpt = None,
                    status: Annotated[str | None, typer.Option("--status")] = None, date: DateOpt = None,
                    as_json: JsonOpt = False) -> None:
    """咨询与投诉列表（含是否超期）。"""
    from zhizao.policies import workflow

    settings = _store(ctx)
    emit({"tickets": workflow.tickets(settings, credit_code, region, status, _date(date))}, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(policies_app, name="policies")
