"""Screenshots for docs/user-guide.md, taken with Debian's headless Chromium.

    python tests/web/browser/screenshots.py --out docs/img                      # the tiny test city
    python tests/web/browser/screenshots.py --out docs/img --demo zhizao-data   # a built demo city

Serves the city on a free loopback port, logs in as each role and saves small PNGs (the top of
each page, palette-reduced). Without ``--demo`` it first builds the tiny test city in a
temporary directory; with it, it uses the demo's accounts (``zhizao demo``)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tinycity
from chromium import CHROMIUM, CHROMIUM_ARGS
from serving import free_port

# (file, user role key, path, viewport, clip height)
SHOTS = [
    ("login.png", None, "/login", (1100, 620), 620),
    ("cockpit.png", "city", "/", (1280, 900), 1100),
    ("enterprise.png", "enterprise", "/enterprises/{firm}", (1280, 900), 1000),
    ("enterprise-phone.png", "enterprise", "/enterprises/{firm}", (390, 844), 844),
    ("carbon.png", "city", "/carbon", (1280, 900), 1000),
    ("mujun.png", "city", "/mujun", (1280, 900), 1100),
    ("economy.png", "city", "/economy?y_from=2023&y_to=2024", (1280, 900), 900),
    ("monitoring.png", "city", "/monitoring?month=2024-12", (1280, 900), 900),
    ("imports.png", "city", "/imports", (1280, 900), 700),
    ("runs.png", "city", "/runs", (1280, 700), 600),
]


def shrink(path: Path) -> None:
    """Fewer colours, same look: keeps the PNGs in the repository small."""
    from PIL import Image

    with Image.open(path) as im:
        im.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("docs/img"))
    ap.add_argument("--demo", type=Path, help="home of a city built by `zhizao demo` (its demo accounts)")
    ap.add_argument("--password", default="zhizao-demo", help="the demo accounts' password")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    import uvicorn
    from playwright.sync_api import sync_playwright

    from zhizao.settings import load_settings
    from zhizao.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        if args.demo:
            from sqlalchemy import select

            from zhizao.store.db import session_scope
            from zhizao.store.models import User

            settings = load_settings(args.demo)
            with session_scope(settings) as s:
                firm = s.scalar(select(User.credit_code).where(User.username == "firm"))
            users = {"city": "city", "district": "district", "enterprise": "firm", "bank": "bank", "auditor": "auditor"}
            password, firm_code, month = args.password, str(firm), None
        else:
            settings = load_settings(Path(tmp) / "home").ensure()
            city = tinycity.build(settings, Path(tmp) / "files")
            users, password, firm_code, month = city.users, tinycity.PASSWORD, city.codes[0], "2024-12"
        port = free_port()
        srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                            lifespan="off"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        while not srv.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, role, path, (w, h), clip in SHOTS:
                    ctx = browser.new_context(locale="zh-CN", viewport={"width": w, "height": h})
                    page = ctx.new_page()
                    if role:
                        page.goto(base + "/login")
                        page.fill("input[name=username]", users[role])
                        page.fill("input[name=password]", password)
                        page.click("form[action='/login'] button[type=submit]")
                        page.wait_for_load_state("load")
                    if month is None:  # a demo city: its own latest years and month
                        path = path.split("?")[0]
                    page.goto(base + path.format(firm=firm_code))
                    page.wait_for_timeout(400)
                    height = min(clip, page.evaluate("document.documentElement.scrollHeight"))
                    out = args.out / name
                    page.screenshot(path=str(out), full_page=True, clip={"x": 0, "y": 0, "width": w, "height": height})
                    shrink(out)
                    print(out, out.stat().st_size // 1024, "KiB")
                    ctx.close()
                browser.close()
        finally:
            srv.should_exit = True
            thread.join(timeout=10)


if __name__ == "__main__":
    main()
