"""The capabilities (rooms) of the platform and how the core finds them.

The core never imports a capability's internals: it asks this registry for the
:class:`Capability` a package declares in its ``__init__`` as ``CAPABILITY``. Adding a
capability means adding a line to ``PACKAGES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa

    from zhizao.methodology.models import Methodology

PACKAGES: dict[str, str] = {
    "carbon": "zhizao.carbon",
    "mujun": "zhizao.mujun",
    "monitoring": "zhizao.monitoring",
}


@dataclass(frozen=True)
class Capability:
    """What the core needs to know of a method.

    ``evaluate(inputs, methodology, year)`` is pure: Ibis tables in, an Ibis table out, one
    row per firm keyed by ``credit_code``. ``to_rows`` shapes executed results into the
    CONTRACT.md row fields.
    """

    name: str
    title: str
    inputs: tuple[str, ...]
    methodology_model: type[Methodology]
    evaluate: Callable[[Mapping[str, ibis.Table], Any, int], ibis.Table]
    to_rows: Callable[[pa.Table], list[dict[str, Any]]]
    #: fields whose change between two runs is a "move" (grade, class)
    outcome_fields: tuple[str, ...] = ()
    #: figures shown beside a move to say why
    figure_fields: tuple[str, ...] = ()
    #: package holding shipped methodology YAML files
    methodology_package: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def names() -> list[str]:
    return list(PACKAGES)


def get(name: str) -> Capability:
    if name not in PACKAGES:
        raise KeyError(f"未知评价方法: {name}（可选: {', '.join(PACKAGES)}）")
    module = importlib.import_module(PACKAGES[name])
    cap: Capability = module.CAPABILITY
    return cap
