"""Every page of every role, as a Chinese bureau user reads it, at 1440×900 and on a 390×844
phone: a crawler follows every in-site link from the role's home, breadth first (one page per
kind: ``/runs/7`` stands for every run; downloads and logout left out), screenshots each page at both widths into the run's output folder, and fails on text that a
user should never see:

- ``table.column`` names (``energy.electricity``, ``power_daily.kwh``);
- bare 4-digit industry codes (a GB/T 4754 class code standing alone, e.g. ``1761``);
- numbers of 10,000 and more without thousands separators;
- English words, methodology ids (``@20…``), the framework's "Not Found";
- a page wider than the phone's screen;
- a script error, or a chart not drawn whole: every component and series type its option names
  (title, legend, tooltip, axes, marked areas, …) must be in what ECharts drew, so a chart or
  component left out of the bundle the pages load (scripts/echarts/entry.js) is caught.

With ``$ZHIZAO_SCREENSHOTS`` set to a folder, every page is also captured whole at both widths
there, for a person to look through (``shots.capture``; never committed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from charts import chart_problems
from pagetext import shown_text
from shots import capture

pytestmark = pytest.mark.browser

ROLES = ("city", "district", "enterprise", "bank", "auditor")
WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}

#: words that are fine on a Chinese page (file formats, units, standard names)
ALLOWED_WORDS = {"Excel", "PDF", "CSV", "XLSX", "COD", "GDP", "PPI", "CPI", "tCO", "GB", "DB", "API", "ID",
                 "kWh", "QR", "OK", "VOCs", "SO", "NOx", "NH", "PM"}
ENGLISH = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]{3,}(?![A-Za-z0-9_])")
TABLE_COLUMN = re.compile(r"(?<![\w.])[a-z][a-z0-9]*_?[a-z0-9_]*\.[a-z][a-z0-9_]+(?![\w.])", re.ASCII)
SNAKE = re.compile(r"(?<![A-Za-z0-9_.])[a-z][a-z0-9]*_[a-z0-9_]+(?![A-Za-z0-9_])", re.ASCII)
UNSEPARATED = re.compile(r"(?<![0-9A-Za-z,.\-/:#])\d{5,}(?![0-9A-Za-z])")
FOUR_DIGITS = re.compile(r"(?<![0-9A-Za-z,.\-/:#〔])(\d{4})(?![0-9A-Za-z\-/年.号〕])")
FORBIDDEN = ("@20", "Not Found", "Method Not Allowed", "Internal Server Error", "None", "NaN", "null",
             "undefined", "Traceback")


def industry_classes() -> set[str]:
    from zhizao.codes import industries

    return set(industries.class_table().column(0).to_pylist())


def problems(text: str, classes: set[str]) -> list[str]:
    """What a bureau user should not read on a page (empty: the page is clean)."""
    out: list[str] = []
    out += [f"内部名称 {m}" for m in TABLE_COLUMN.findall(text)]
    out += [f"内部名称 {m}" for m in SNAKE.findall(text)]
    out += [f"未分隔的数字 {m}" for m in UNSEPARATED.findall(text)]
    for m in FOUR_DIGITS.findall(text):
        if m in classes and not 1990 <= int(m) <= 2100:  # a year is not an industry code
            out.append(f"行业代码 {m}")
    out += [f"英文 {w}" for w in ENGLISH.findall(text) if w not in ALLOWED_WORDS]
    out += [f"不应出现 {w}" for w in FORBIDDEN
            if (w in text if not w[0].isalpha() else re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text))]
    return sorted(set(out))


def test_the_pattern_list_catches_what_it_should() -> None:
    classes = {"1761", "2110", "3011"}
    bad = ("energy.electricity（千瓦时） 2326995 万元 行业 1761 graded: 4998 zhejiang-carbon@2024 Not Found "
           "状态 not_evaluated：1")
    found = problems(bad, classes)
    for expected in ("内部名称 energy.electricity", "内部名称 not_evaluated", "未分隔的数字 2326995", "行业代码 1761", "英文 graded",
                     "不应出现 @20", "不应出现 Not Found"):
        assert expected in found, found
    good = "2024年 共 2,326,995 万元；信用代码 91330502MA2B0004XL；2024-12-01 14:30；导出 Excel；18.1%"
    assert problems(good, classes) == []


#: links the crawler does not follow: downloads, leaving, static files
SKIP = re.compile(r"\.(xlsx|pdf|csv|png|zip|json)$|^/(logout|static|api|docs|openapi)")
#: at most this many page shapes per role (a shape: a path with its ids and codes abstracted)
MAX_PAGES = 40


def shape(path: str) -> str:
    """``/enterprises/91330502MA2B0004XL`` and ``/runs/7`` → one shape per kind of page."""
    return re.sub(r"\d+", "N", re.sub(r"[0-9A-Z]{18}", "C", path))


def _links(s) -> list[str]:  # type: ignore[no-untyped-def]
    hrefs = s.page.eval_on_selector_all(
        "a[href]:not([download])", "els => els.map(a => a.getAttribute('href'))")
    out = []
    for href in hrefs:
        parts = urlsplit(href or "")
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def _pages(s, role: str, city) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The role's pages, breadth first from its home: every in-site link on every page reached,
    one page per shape (``/runs/7`` stands for every run), downloads and logout left out."""
    home = urlsplit(s.page.url).path or "/"
    queue, seen = [home], {shape(home)}
    while queue and len(seen) <= MAX_PAGES:
        path = queue.pop(0)
        yield path
        for link in _links(s):
            key = shape(urlsplit(link).path)
            if key not in seen:
                seen.add(key)
                queue.append(link)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_reads_as_chinese_and_fits(login, city, role: str) -> None:  # type: ignore[no-untyped-def]
    classes = industry_classes()
    found: dict[str, list[str]] = {}
    desk = login(city.users[role], viewport=WIDTHS["desktop"])
    phone = login(city.users[role], viewport=WIDTHS["phone"])
    errors: list[str] = []
    for s in (desk, phone):
        s._page.on("pageerror", lambda exc: errors.append(str(exc)))
    visited: list[str] = []
    desk.goto(urlsplit(desk.page.url).path or "/")
    for path in _pages(desk, role, city):  # the desktop session is on ``path`` while its links are read
        visited.append(path)
        name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")[:80] or "home"
        for width, s in (("phone", phone), ("desktop", desk)):
            resp = s.goto(path)
            assert resp is not None and resp.status == 200, (role, path, width, resp and resp.status)
            s.page.wait_for_load_state("load")
            capture(s.page, f"{role}-{name}-{width}")
            if width == "desktop":
                text = shown_text(s.page)
                bad = problems(text, classes) + [f"图表 {m}" for m in chart_problems(s.page)]
                if bad:
                    found[path] = bad
            else:
                w = s.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
                if w[0] > w[1]:
                    found.setdefault(path, []).append(f"手机宽度溢出 {w[0]} > {w[1]} px")
            if errors:
                found.setdefault(path, []).extend(f"脚本错误（{width}）{e}" for e in errors)
                errors.clear()
    assert len(visited) >= 3, visited
    assert not found, "\n".join(f"{path}: {'；'.join(bad)}" for path, bad in found.items())
