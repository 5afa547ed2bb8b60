"""投资项目 "三端六环" and 破五未: the six-milestone lifecycle, stall cases and their resolution,
the issue log of the three parties, and the investment figures (METHODS.md §4).

The public face other rooms may use: :func:`status` and :func:`stalls` (plain rows, as the CLI
prints them). Imported lazily: loading the room's declaration or its contract tables costs
nothing else.
"""

from __future__ import annotations

from typing import Any

__all__ = ["stalls", "status"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from zhizao.projects import query

        return getattr(query, name)
    raise AttributeError(name)
