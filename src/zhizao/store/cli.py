"""Commands of the store: ``zhizao users add|list|disable|enable`` and ``zhizao publish``."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from

users_app = typer.Typer(help="账户：添加、列出、停用、启用、重置密码", no_args_is_help=True)


def _read_password(confirm: bool) -> str:
    """The password from standard input: a prompt on a terminal, else the first line of the pipe."""
    if sys.stdin.isatty():
        pw = typer.prompt("密码", hide_input=True, confirmation_prompt=confirm, err=True)
    else:
        pw = sys.stdin.readline().rstrip("\r\n")
    if not pw:
        fail("未从标准输入读到密码")
    return str(pw)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help="角色：city、district、enterprise、bank、auditor")],
    region: Annotated[str | None, typer.Option("--region", help="区县用户的 6 位行政区划代码")] = None,
    credit_code: Annotated[str | None, typer.Option("--credit-code", help="企业用户的统一社会信用代码")] = None,
    display_name: Annotated[str | None, typer.Option("--display-name", help="显示名称")] = None,
    as_json: JsonOpt = False,
) -> None:
    """添加账户（密码从标准输入读取，不作为参数）。"""
    from zhizao.store import audit
    from zhizao.store.accounts import AccountError, NewUser, add_user, describe, validate
    from zhizao.store.db import init_store, session_scope

    settings = settings_from(ctx)
    nu = NewUser(name, role, region, credit_code, display_name)
    try:
        validate(nu)
    except AccountError as exc:
        fail(str(exc))
    password = _read_password(confirm=True)
    init_store(settings)
    try:
        with session_scope(settings) as s:
            user = add_user(s, nu, password)
            audit.record(s, "user.add", target=name, detail={"role": role, "region_code": region,
                                                              "credit_code": credit_code, "via": "cli"})
            data = describe(user)
    except AccountError as exc:
        fail(str(exc))
    emit(data, as_json, lambda d: out_console.print(f"[green]已添加[/] 用户 {d['username']}（{d['role_title']}）"))


@users_app.command("list")
def users_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出账户。"""
    from zhizao.store.accounts import describe, list_users
    from zhizao.store.db import init_store, session_scope

    settings = settings_from(ctx)
    init_store(settings)
    with session_scope(settings) as s:
        rows = [describe(u) for u in list_users(s)]

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        t = Table("用户名", "角色", "区划", "信用代码", "名称", "状态")
        for u in d["users"]:
            t.add_row(u["username"], u["role_title"], u["region_code"] or "", u["credit_code"] or "",
                      u["display_name"] or "", "启用" if u["active"] else "停用")
        out_console.print(t)

    emit({"users": rows}, as_json, render)


def _set_active(ctx: typer.Context, name: str, active: bool, as_json: bool) -> None:
    from zhizao.store import audit
    from zhizao.store.accounts import AccountError, describe, set_active
    from zhizao.store.db import init_store, session_scope

    settings = settings_from(ctx)
    init_store(settings)
    try:
        with session_scope(settings) as s:
            user = set_active(s, name, active)
            audit.record(s, "user.enable" if active else "user.disable", target=name, detail={"via": "cli"})
            data = describe(user)
    except AccountError as exc:
        fail(str(exc))
    emit(data, as_json, lambda d: out_console.print(f"用户 {d['username']} 已{'启用' if active else '停用'}"))


@users_app.command("disable")
def users_disable(ctx: typer.Context, name: str, as_json: JsonOpt = False) -> None:
    """停用账户（其登录令牌同时作废）。"""
    _set_active(ctx, name, False, as_json)


@users_app.command("enable")
def users_enable(ctx: typer.Context, name: str, as_json: JsonOpt = False) -> None:
    """重新启用账户。"""
    _set_active(ctx, name, True, as_json)


@users_app.command("passwd")
def users_passwd(ctx: typer.Context, name: str, as_json: JsonOpt = False) -> None:
    """重置账户密码（新密码从标准输入读取；其登录令牌同时作废）。"""
    from zhizao.store import audit
    from zhizao.store.accounts import AccountError, describe, set_password
    from zhizao.store.db import init_store, session_scope

    settings = settings_from(ctx)
    password = _read_password(confirm=True)
    init_store(settings)
    try:
        with session_scope(settings) as s:
            user = set_password(s, name, password)
            audit.record(s, "user.password_reset", target=name, detail={"via": "cli"})
            data = describe(user)
    except AccountError as exc:
        fail(str(exc))
    emit(data, as_json, lambda d: out_console.print(f"用户 {d['username']} 的密码已重置"))


def publish_cmd(ctx: typer.Context, run_id: Annotated[str, typer.Argument(help="运行编号")],
                with_held: Annotated[bool, typer.Option("--with-held", help="有待核企业时仍发布其余企业（待核企业不发布，并记入发布记录）")] = False,
                as_json: JsonOpt = False) -> None:
    """发布一次运行：其结果成为 API 与网页对该方法、年度提供的结果。"""
    from zhizao.store.db import init_store
    from zhizao.store.publish import PublishError, publish

    settings = settings_from(ctx)
    init_store(settings)
    try:
        data = publish(settings, run_id, user="cli", with_held=with_held)
    except (PublishError, KeyError) as exc:
        fail(str(exc).strip("'\""))

    def render(d: dict[str, Any]) -> None:
        out_console.print(f"[green]已发布[/] {d['run_id']}：{d['method']} {d['year']} 年，{d['rows']} 家企业")
        if d["held"]:
            out_console.print(f"[yellow]未发布[/] {len(d['held'])} 家待核企业（已记入发布记录）：{'、'.join(d['held'])}")

    emit(data, as_json, render)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.command("publish")(publish_cmd)
