"""What a user reads on a page in Chromium: an element's text without what users typed or sent
themselves (file names, usernames, marked ``data-verbatim`` by the templates), which may be in
any language and is never the platform's own wording.

The marked elements are hidden with an inline ``display: none !important``, not the ``hidden``
attribute: at phone width the stylesheet lays table cells out as cards (``td { display: flex }``),
which outranks the browser's own rule for ``[hidden]``."""

from __future__ import annotations

from typing import Any

_TEXT_OF = """s => {
  const raw = Array.from(document.querySelectorAll('[data-verbatim]'));
  const kept = raw.map(e => e.getAttribute('style'));
  raw.forEach(e => e.style.setProperty('display', 'none', 'important'));
  const text = document.querySelector(s).innerText;
  raw.forEach((e, i) => kept[i] === null ? e.removeAttribute('style') : e.setAttribute('style', kept[i]));
  return text;
}"""


def shown_text(page: Any, selector: str = "body") -> str:
    """The text of ``selector`` on ``page`` (a Playwright page), verbatim user content left out."""
    return str(page.evaluate(_TEXT_OF, selector))
