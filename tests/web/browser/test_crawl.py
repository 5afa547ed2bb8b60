"""Every page of every role, as a Chinese bureau user reads it, at 1440×900 and on a 390×844
phone: a crawler follows the header navigation (and the first firm profile a list links to),
screenshots each page at both widths into the run's output folder, and fails on text that a
user should never see:

- ``table.column`` names (``energy.electricity``, ``power_daily.kwh``);
- bare 4-digit industry codes (a GB/T 4754 class code standing alone, e.g. ``1761``);
- numbers of 10,000 and more without thousands separators;
- English words, methodology ids (``@20…``), the framework's "Not Found";
- a page wider than the phone's screen.

Screenshots go to ``$ZHIZAO_SCREENSHOTS`` when set, else to the test session's temporary
folder (``pytest --basetemp=test-output`` keeps them in the working tree, gitignored); they
are never committed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ROLES = ("city", "district", "enterprise", "bank", "auditor")
WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}

#: words that are fine on a Chinese page (file formats, units, standard names)
ALLOWED_WORDS = {"Excel", "PDF", "CSV", "XLSX", "COD", "GDP", "PPI", "CPI", "tCO", "GB", "DB", "API", "ID",
                 "kWh", "QR", "OK", "VOCs", "SO", "NOx", "NH", "PM"}
ENGLISH = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]{3,}(?![A-Za-z0-9_])")
TABLE_COLUMN = re.compile(r"(?<![\w.])[a-z][a-z0-9]*_?[a-z0-9_]*\.[a-z][a-z0-9_]+(?![\w.])", re.ASCII)
UNSEPARATED = re.compile(r"(?<![0-9A-Za-z,.\-/:#])\d{5,}(?![0-9A-Za-z])")
FOUR_DIGITS = re.compile(r"(?<![0-9A-Za-z,.\-/:#〔])(\d{4})(?![0-9A-Za-z\-/年.号〕])")
#: the page's text without what users typed or sent (file names, usernames: ``data-verbatim``)
READ_TEXT = """() => {
  const raw = Array.from(document.querySelectorAll('[data-verbatim]'));
  raw.forEach(e => e.setAttribute('hidden', ''));
  const text = document.body.innerText;
  raw.forEach(e => e.removeAttribute('hidden'));
  return text;
}"""
FORBIDDEN = ("@20", "Not Found", "Method Not Allowed", "Internal Server Error", "None", "NaN", "null",
             "undefined", "Traceback")


def industry_classes() -> set[str]:
    from zhizao.codes import industries

    return set(industries.class_table().column(0).to_pylist())


def problems(text: str, classes: set[str]) -> list[str]:
    """What a bureau user should not read on a page (empty: the page is clean)."""
    out: list[str] = []
    out += [f"内部名称 {m}" for m in TABLE_COLUMN.findall(text)]
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
    bad = "energy.electricity（千瓦时） 2326995 万元 行业 1761 graded: 4998 zhejiang-carbon@2024 Not Found"
    found = problems(bad, classes)
    for expected in ("内部名称 energy.electricity", "未分隔的数字 2326995", "行业代码 1761", "英文 graded",
                     "不应出现 @20", "不应出现 Not Found"):
        assert expected in found, found
    good = "2024年 共 2,326,995 万元；信用代码 91330502MA2B0004XL；2024-12-01 14:30；导出 Excel；18.1%"
    assert problems(good, classes) == []


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("ZHIZAO_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pages(s, role: str, city) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The role's pages: its home, every header navigation entry, and one firm profile a list
    links to (a bank reads no profiles)."""
    seen: list[str] = []
    home = urlsplit(s.page.url).path or "/"
    links = [home, *s.page.eval_on_selector_all("header nav a", "els => els.map(a => a.getAttribute('href'))")]
    for href in links:
        if href and href.startswith("/") and href not in seen:
            seen.append(href)
    if role in ("city", "district", "auditor"):
        seen.append(f"/enterprises/{city.codes[0]}")
    yield from seen


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_reads_as_chinese_and_fits(login, city, shots, role: str) -> None:  # type: ignore[no-untyped-def]
    classes = industry_classes()
    found: dict[str, list[str]] = {}
    desk = login(city.users[role], viewport=WIDTHS["desktop"])
    phone = login(city.users[role], viewport=WIDTHS["phone"])
    paths = list(_pages(desk, role, city))
    assert paths, paths
    for path in paths:
        name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
        for width, s in (("desktop", desk), ("phone", phone)):
            resp = s.goto(path)
            assert resp is not None and resp.status == 200, (role, path, width, resp and resp.status)
            s.page.wait_for_load_state("load")
            s.page.screenshot(path=str(shots / f"{role}-{name}-{width}.png"), full_page=True)
            if width == "desktop":
                text = s.page.evaluate(READ_TEXT)
                bad = problems(text, classes)
                if bad:
                    found[path] = bad
            else:
                w = s.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
                if w[0] > w[1]:
                    found.setdefault(path, []).append(f"手机宽度溢出 {w[0]} > {w[1]} px")
    assert not found, found
