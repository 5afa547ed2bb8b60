"""``zhizao serve``: the API and web UI (uvicorn), after bringing the store schema up to date."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from zhizao.cliutil import err_console, fail, settings_from


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="工作进程数（默认 1）")] = 1,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="是否输出访问日志")] = True,
) -> None:
    """启动 API 与网页服务。"""
    import uvicorn

    from zhizao.store.db import dispose, init_store
    from zhizao.web.auth import secret_key

    settings = settings_from(ctx).ensure()
    try:
        init_store(settings)
    except Exception as exc:  # a wrong URL or an unreachable server: say so in Chinese, not a traceback
        fail(f"无法初始化业务库 {settings.store_url.split('@')[-1]}：{exc}")
    secret_key(settings)  # created once here, before the workers race for it
    from zhizao.backup.snapshot import clean_orphans

    cleaned = clean_orphans(settings)  # what killed evaluations and imports left behind
    if any(cleaned.values()):
        err_console.print(f"已清理遗留临时文件：运行临时结果 {cleaned['run_tmp']} 个，导入临时目录 "
                          f"{cleaned['import_dirs']} 个，空上传目录 {cleaned['upload_dirs']} 个")
    dispose()  # no pooled connection may cross the fork into the workers
    # The workers build the app from the environment (uvicorn's factory import needs no arguments).
    os.environ["ZHIZAO_HOME"] = str(settings.home)
    if os.environ.get("ZHIZAO_STORE_URL") is None:
        os.environ["ZHIZAO_STORE_URL"] = settings.store_url
    err_console.print(f"智造服务：http://{host}:{port}（数据目录 {settings.home}，{workers} 个工作进程）")
    uvicorn.run("zhizao.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                access_log=access_log, log_level="info", proxy_headers=False,
                # importing the app (Ibis, DuckDB, the rooms) can take many seconds on a busy machine:
                # do not let the supervisor declare a worker dead while it is still starting
                timeout_worker_healthcheck=120)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
