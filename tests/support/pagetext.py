"""What a user reads on a page in Chromium: an element's text without what users typed or sent
themselves (file names, usernames, marked ``data-verbatim`` by the templates), which may be in
any language and is never the platform's own wording."""

from __future__ import annotations

from typing import Any

_TEXT_OF = """s => {
  const raw = Array.from(document.querySelectorAll('[data-verbatim]'));
  raw.forEach(e => e.setAttribute('hidden', ''));
  const text = document.querySelector(s).innerText;
  raw.forEach(e => e.removeAttribute('hidden'));
  return text;
}"""


def shown_text(page: Any, selector: str = "body") -> str:
    """The text of ``selector`` on ``page`` (a Playwright page), verbatim user content left out."""
    return str(page.evaluate(_TEXT_OF, selector))
