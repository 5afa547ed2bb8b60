"""``zhizao serve``: the API and web UI (uvicorn), after bringing the store schema up to date."""

from __future__ import annotations

import copy
import logging
import logging.handlers
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao.cliutil import err_console, fail, settings_from


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
    workers: Annotated[int | None, typer.Option("--workers", help="工作进程数（默认：本机 CPU 核数，至多 8）")] = None,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="是否记录访问日志")] = True,
    access_log_file: Annotated[str | None, typer.Option(
        "--access-log-file", help="访问日志文件（默认 <数据目录>/logs/access.log；“-” 表示输出到终端）")] = None,
    import_worker: Annotated[bool, typer.Option(
        "--import-worker/--no-import-worker",
        help="同时启动导入任务进程（网页上传的文件由它导入；另行运行 zhizao worker 时可关闭）")] = True,
    keep_alive: Annotated[int, typer.Option(
        "--keep-alive", min=1, help="空闲连接保持秒数（默认 75 秒）")] = 75,
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
    from zhizao.engine.warehouse import upgrade

    upgrade(settings.warehouse_path)  # a view this version reads: the pages only read the warehouse
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
    workers = workers or default_workers()
    log_file = None if access_log_file == "-" else Path(access_log_file or settings.home / "logs" / "access.log")
    where = f"，访问日志 {log_file}" if access_log and log_file else ""
    err_console.print(f"智造服务：http://{host}:{port}（数据目录 {settings.home}，{workers} 个工作进程{where}）")
    supervisor = None
    if import_worker and os.environ.get("ZHIZAO_IMPORT_WORKER", "1") != "0":
        supervisor = WorkerSupervisor(settings.home, Path(settings.home) / "logs" / "worker.log")
        supervisor.start()
    try:
        uvicorn.run("zhizao.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    access_log=access_log, log_level="info", proxy_headers=False,
                    log_config=log_config(log_file if access_log else None),
                    # importing the app (Ibis, DuckDB, the rooms) can take many seconds on a busy machine:
                    # do not let the supervisor declare a worker dead while it is still starting
                    timeout_worker_healthcheck=120,
                    # an idle connection is kept 75 s (nginx's default), not uvicorn's 5 s: a person or a
                    # bank's system pausing between requests reuses it, instead of racing the server's
                    # close (a request written as the server closes fails on the client's side)
                    timeout_keep_alive=keep_alive)
    finally:
        if supervisor is not None:
            supervisor.stop()


class WorkerSupervisor:
    """The import worker (``zhizao worker``) beside the web workers: started with the server,
    started again if it dies (a killed worker's job is queued again by the next one), stopped
    with the server; it also stops by itself when the server process is gone."""

    def __init__(self, home: Path, log: Path) -> None:
        import threading

        self.home, self.log = home, log
        self.proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="import-worker-supervisor", daemon=True)

    def _spawn(self) -> subprocess.Popen[bytes]:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            return subprocess.Popen([sys.executable, "-m", "zhizao", "--home", str(self.home), "worker",
                                     "--parent", str(os.getpid())], stdout=out, stderr=out, stdin=subprocess.DEVNULL)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.proc = self._spawn()
            while self.proc.poll() is None:
                if self._stop.wait(0.5):
                    return
            if not self._stop.wait(2.0):  # it died: start another after a pause
                err_console.print(f"导入任务进程已退出（代码 {self.proc.returncode}），正在重新启动")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def default_workers() -> int:
    """One worker per CPU this process may use, at most 8 (each holds its own caches and pools)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def log_config(access_file: Path | None) -> dict[str, Any]:
    """uvicorn's logging, with the access log in a file (appended, reopened after logrotate moves it)
    instead of the terminal: one line per request on a console costs the server more than the request."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    if access_file is not None:
        access_file.parent.mkdir(parents=True, exist_ok=True)
        config["formatters"]["access_file"] = {
            "()": "uvicorn.logging.AccessFormatter", "use_colors": False,
            "fmt": '%(asctime)s %(client_addr)s "%(request_line)s" %(status_code)s'}
        config["handlers"]["access"] = {"()": "zhizao.web.cli.BackgroundFileHandler", "filename": str(access_file),
                                        "formatter": "access_file"}
    return config


class BackgroundFileHandler(logging.Handler):
    """The access log written by a thread of its own, in batches: the event loop only appends
    the record to a queue.

    A line per request written on the event loop (format, ``stat`` for logrotate, ``write``) costs
    little, until the disk is busy: a write that blocks stalls every connection of the worker.
    A thread woken per line would cost as much in handing the interpreter lock back and forth
    (thousands of times a second under load), so the thread wakes every
    :attr:`INTERVAL` seconds, formats what is waiting and writes it in one ``write`` through a
    ``WatchedFileHandler`` (logrotate may move the file). What is still queued is written when
    the process exits."""

    INTERVAL = 0.2

    def __init__(self, filename: str, encoding: str = "utf-8") -> None:
        import atexit
        import collections
        import threading

        super().__init__()
        self.target = logging.handlers.WatchedFileHandler(filename, encoding=encoding)
        self._pending: collections.deque[logging.LogRecord] = collections.deque()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        super().setFormatter(fmt)
        self.target.setFormatter(fmt)

    def emit(self, record: logging.LogRecord) -> None:
        self._pending.append(record)  # formatted and written by the thread, not on the event loop

    def _drain(self) -> None:
        lines = []
        while self._pending:
            record = self._pending.popleft()
            try:
                lines.append(self.target.format(record))
            except Exception:
                self.handleError(record)
        if lines:
            self.target.acquire()
            try:
                self.target.reopenIfNeeded()
                stream = self.target.stream
                if stream is not None:
                    stream.write("\n".join(lines) + "\n")
                    stream.flush()
            except Exception:
                self.handleError(logging.makeLogRecord({"msg": "access log write failed"}))
            finally:
                self.target.release()

    def _run(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            self._drain()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._drain()
        self.target.close()
        super().close()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
