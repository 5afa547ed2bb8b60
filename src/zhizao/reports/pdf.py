"""PDF rendering (WeasyPrint) with CJK fonts.

Every PDF the platform hands out goes through :func:`html_to_pdf`, so Chinese text is set in
Noto Sans CJK (Debian ``fonts-noto-cjk``; WenQuanYi as a fallback) whatever the page's own CSS
says, and pages are A4 with numbered footers.
"""

from __future__ import annotations

from pathlib import Path

#: font stack for Chinese pages: the families fontconfig knows from fonts-noto-cjk / fonts-wqy
CJK_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'

BASE_CSS = f"""
@page {{ size: A4; margin: 18mm 16mm 20mm 16mm;
        @bottom-center {{ content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
                          font-family: {CJK_FONTS}; font-size: 8pt; color: #666; }} }}
html {{ font-family: {CJK_FONTS}; }}
"""


class PdfError(RuntimeError):
    pass


def html_to_pdf(html: str, out: str | Path, base_url: str | Path | None = None, extra_css: str = "") -> Path:
    """Render ``html`` to ``out`` (A4, CJK fonts); returns the path written."""
    try:
        from weasyprint import CSS, HTML
    except ImportError as exc:  # pragma: no cover - weasyprint is a dependency
        raise PdfError("未安装 WeasyPrint，无法生成 PDF") from exc
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    stylesheets = [CSS(string=BASE_CSS + extra_css)]
    HTML(string=html, base_url=str(base_url) if base_url else None).write_pdf(str(tmp), stylesheets=stylesheets)
    tmp.replace(out)  # a killed render never leaves half a PDF under the requested name
    return out


def cjk_font_available() -> bool:
    """Is a CJK font installed (fontconfig)? Without one, Chinese renders as boxes."""
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return False
    res = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(res.stdout.strip())
