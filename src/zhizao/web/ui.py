"""What rooms contribute to the core's pages, and what they are handed.

A room's ``profile_section`` hook is called as ``f(ctx: ProfileContext)`` when a firm's profile
(一企一档) is shown, after the scope check, and returns ``None`` (nothing to show to this user) or a
:class:`Section`. A room's ``cockpit_tiles`` hook is called as ``f(ctx: CockpitContext)`` and
returns a list of :class:`Tile`. Hooks read what publishing prepared; they never compute a whole
evaluation on the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProfileContext:
    settings: Any
    #: the store session of the request (SQLAlchemy ``Session``)
    session: Any
    #: the logged-in user (role, region_code, credit_code, username)
    user: Any
    credit_code: str
    #: the firm's basic attributes from the warehouse: name, region_code, industry_code, …
    firm: dict[str, Any]
    #: the year chosen on the page (None = the latest the room has)
    year: int | None = None

    @property
    def role(self) -> str:
        return str(getattr(self.user, "role", None) or (self.user or {}).get("role", ""))


@dataclass(frozen=True)
class Section:
    """One room's part of the firm profile: ``template`` is rendered with ``section`` = context."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    #: position on the page (lower first); carbon 10, 亩均 20, …
    order: int = 100
    #: the anchor id of the section (for links from elsewhere)
    anchor: str = ""


@dataclass(frozen=True)
class CockpitContext:
    settings: Any
    session: Any
    user: Any
    #: the district the user sees (None = the whole city)
    region: str | None
    year: int | None = None


@dataclass(frozen=True)
class Tile:
    """A cockpit figure: ``value`` already formatted for display (with separators), its unit."""

    title: str
    value: str
    unit: str = ""
    href: str | None = None
    note: str = ""
    order: int = 100
    #: an ECharts option for a small chart under the figure (optional)
    chart: dict[str, Any] | None = None
