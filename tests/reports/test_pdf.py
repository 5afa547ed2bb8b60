"""PDFs carry real Chinese text (CJK font embedded, extractable with pdftotext)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from zhizao.reports.pdf import cjk_font_available, html_to_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


def test_chinese_text_survives_into_the_pdf(tmp_path):
    assert cjk_font_available()
    out = html_to_pdf("<h1>规上工业增加值</h1><p>年均增长 24.2%，提升 7.3 个百分点</p>", tmp_path / "a.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "规上工业增加值" in text
    assert "24.2%" in text and "7.3" in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts


def test_a_failed_render_leaves_no_file(tmp_path):
    out = tmp_path / "b.pdf"
    with pytest.raises(TypeError):
        html_to_pdf(None, out)  # type: ignore[arg-type]
    assert not out.exists()
