"""The capabilities (rooms) of the platform and how the core finds them.

The core never imports a capability's internals: a room that evaluates names its
:class:`Capability` in its ``room.py`` (``Room.capability``), and this module finds it through
:mod:`zhizao.rooms`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa

    from zhizao.methodology.models import Methodology

@dataclass(frozen=True)
class Capability:
    """What the core needs to know of a method.

    ``evaluate(inputs, methodology, year)`` is pure: Ibis tables in, an Ibis table out, one
    row per firm keyed by ``credit_code``. ``to_rows`` shapes executed results into the
    CONTRACT.md row fields.

    ``extra["context_inputs"]``, when given, is ``f(settings, year) -> (tables, notes)``: Arrow
    tables the method reads beside the exchange tables (e.g. another method's run of the year),
    registered on the engine under their names and named in the run's notes.
    """

    name: str
    title: str
    inputs: tuple[str, ...]
    methodology_model: type[Methodology]
    #: ``evaluate(inputs, methodology, year, **options)``; options such as ``released`` (see Capability.extra)
    evaluate: Callable[..., ibis.Table]
    to_rows: Callable[[pa.Table], list[dict[str, Any]]]
    #: fields whose change between two runs is a "move" (grade, class)
    outcome_fields: tuple[str, ...] = ()
    #: figures shown beside a move to say why
    figure_fields: tuple[str, ...] = ()
    #: package holding shipped methodology YAML files
    methodology_package: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


#: the words every method's counts and comparisons share (a method's own come from its
#: ``extra``: ``headers`` field → title, ``status_titles`` status → title, ``value_titles``
#: field → value → title)
COMMON_FIELDS = {"firms": "企业数", "status": "评价状态"}
COMMON_VALUES = {"status": {"graded": "已评级", "ungraded": "未评级", "held": "待核"}}


def field_title(cap: Capability | None, name: str) -> str:
    """A result field as people call it (``class`` → 亩均的“分类”); never the internal name."""
    headers: Mapping[str, str] = cap.extra.get("headers", {}) if cap else {}
    return headers.get(name) or COMMON_FIELDS.get(name) or "结果"


def value_title(cap: Capability | None, name: str, value: Any) -> str:
    """A counted or compared value as people call it (``not_evaluated`` → 不参评); grades, classes
    and numbers stay as they are."""
    if value is None or str(value) == "None":
        return "无"
    table: dict[str, str] = dict(COMMON_VALUES.get(name, {}))
    if cap is not None:
        if name == "status":
            table.update(cap.extra.get("status_titles", {}))
        table.update(cap.extra.get("value_titles", {}).get(name, {}))
    return table.get(str(value), str(value))


def any_value_title(name: str, value: Any) -> str | None:
    """``value`` of field ``name`` in words from whichever method names it (a 亩均 track id in an
    audit entry → 规上企业), or None when no method does."""
    for method in names():
        titles = get(method).extra.get("value_titles", {}).get(name, {})
        if str(value) in titles:
            return str(titles[str(value)])
    return None


def rows(cap: Capability, table: pa.Table, methodology: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """A run's CONTRACT.md rows. A capability whose rows depend on its methodology (a rule set
    naming its criteria: ``extra["rows_take_methodology"]``) gets the run's methodology too."""
    if cap.extra.get("rows_take_methodology"):
        return cap.to_rows(table, methodology)  # type: ignore[call-arg]
    return cap.to_rows(table)


def names() -> list[str]:
    from zhizao import rooms

    return [rooms.method_name(r) for r in rooms.with_capability()]


def package(name: str) -> str:
    """The package of the room whose capability is ``name``."""
    from zhizao import rooms

    return rooms.by_method(name).package


def find(name: str | None) -> Capability | None:
    """The capability called ``name``, or None (no name, an unknown or retired method)."""
    return get(name) if name and name in names() else None


def get(name: str) -> Capability:
    from zhizao import rooms

    if name not in names():
        raise KeyError(f"未知评价方法: {name}（可选: {', '.join(names())}）")
    ref = rooms.by_method(name).capability
    assert ref is not None
    cap: Capability = rooms.resolve(ref)
    return cap
