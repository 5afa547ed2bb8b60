"""Rule sets and criteria as data (see docs/criteria.md).

A rule set is versioned data: a name and version, a title, what it grants (``subject``), its
validity dates, the sources its values came from, and a list of criteria that must all hold.
A criterion is one of:

- a **comparison** of a named measure with a threshold (``measure``, ``op``, ``threshold``,
  ``unit``, ``source``): ``>=`` ``<=`` ``>`` ``<`` ``=`` or ``between`` (both bounds inclusive);
- a **title** prerequisite (``title``, ``level``): the firm holds that title at that level or
  above, valid on the evaluation date;
- a **manual** criterion (``manual: true``): a person decides;
- a **group**: ``all`` / ``any`` of criteria, or ``not`` of one. Alternative routes (revenue or
  equity financing) are an ``any`` whose children are the labelled routes.

Every node has an ``id`` (snake case, unique in the rule set) and a Chinese ``label``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from zhizao import yamltext

#: comparison operators; the Unicode and word spellings are accepted in YAML
OPS: dict[str, str] = {
    ">=": ">=", "≥": ">=", "ge": ">=",
    "<=": "<=", "≤": "<=", "le": "<=",
    ">": ">", "gt": ">",
    "<": "<", "lt": "<",
    "=": "=", "==": "=", "eq": "=",
    "between": "between",
}
#: Chinese reading of each operator (explanations, tier cards)
OP_TEXT: dict[str, str] = {">=": "不低于", "<=": "不高于", ">": "高于", "<": "低于", "=": "等于", "between": "介于"}

#: title levels, lowest first; a prerequisite at one level is met by that level or any above it
LEVELS: tuple[str, ...] = ("county", "city", "provincial", "national")
LEVEL_TEXT: dict[str, str] = {"county": "县级", "city": "市级", "provincial": "省级", "national": "国家级"}

ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class CriteriaError(ValueError):
    """A rule set that does not validate or cannot be evaluated (message in Chinese)."""


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    label: str
    note: str = ""


class Comparison(_Node):
    """``measure op threshold``; for ``between`` the threshold is ``[low, high]`` (inclusive)."""

    kind: Literal["comparison"] = "comparison"
    measure: str
    op: str
    threshold: float | tuple[float, float]
    unit: str = ""
    source: str
    default: bool = False

    @field_validator("op")
    @classmethod
    def _op(cls, v: str) -> str:
        if v not in OPS:
            raise ValueError(f"未知比较符 {v}（可用: ≥ ≤ > < = between）")
        return OPS[v]

    @model_validator(mode="after")
    def _threshold_shape(self) -> Comparison:
        if self.op == "between":
            if not isinstance(self.threshold, tuple):
                raise ValueError(f"{self.id}: between 需要 [下限, 上限]")
            if self.threshold[0] > self.threshold[1]:
                raise ValueError(f"{self.id}: between 的下限大于上限")
        elif isinstance(self.threshold, tuple):
            raise ValueError(f"{self.id}: 比较符 {self.op} 只需要一个阈值")
        return self

    @property
    def low(self) -> float:
        return self.threshold[0] if isinstance(self.threshold, tuple) else self.threshold

    @property
    def high(self) -> float:
        return self.threshold[1] if isinstance(self.threshold, tuple) else self.threshold

    def threshold_text(self) -> str:
        """The threshold in plain Chinese, e.g. ``不低于 1,000 万元``."""
        u = self.unit
        if isinstance(self.threshold, tuple):
            return f"介于 {_num(self.threshold[0])}{u} 与 {_num(self.threshold[1])}{u} 之间"
        return f"{OP_TEXT[self.op]} {_num(self.threshold)}{u}"


class TitleHeld(_Node):
    """A prerequisite: holds ``title`` at ``level`` or above, valid on the evaluation date
    (granted on or before it, not expired before it, not revoked on or before it)."""

    kind: Literal["title"] = "title"
    title: str
    level: Literal["county", "city", "provincial", "national"] = "county"
    source: str
    default: bool = False


class Manual(_Node):
    """A criterion a person decides (no data can answer it)."""

    kind: Literal["manual"] = "manual"
    manual: Literal[True] = True
    source: str
    default: bool = False


class All(_Node):
    kind: Literal["all"] = "all"
    all: list[Node]


class Any_(_Node):
    kind: Literal["any"] = "any"
    any: list[Node]


class Not(_Node):
    kind: Literal["not"] = "not"
    not_: Node = Field(alias="not")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _discriminate(v: Any) -> str:
    if isinstance(v, BaseModel):
        return str(getattr(v, "kind", "comparison"))
    if not isinstance(v, dict):
        return "comparison"
    if "kind" in v:
        return str(v["kind"])
    for key in ("all", "any", "not", "title"):
        if key in v:
            return key
    if v.get("manual"):
        return "manual"
    return "comparison"


Node = Annotated[
    Annotated[Comparison, Tag("comparison")]
    | Annotated[TitleHeld, Tag("title")]
    | Annotated[Manual, Tag("manual")]
    | Annotated[All, Tag("all")]
    | Annotated[Any_, Tag("any")]
    | Annotated[Not, Tag("not")],
    Discriminator(_discriminate),
]

All.model_rebuild()
Any_.model_rebuild()
Not.model_rebuild()

Leaf = Comparison | TitleHeld | Manual
Group = All | Any_ | Not


def children(node: Any) -> list[Any]:
    if isinstance(node, All):
        return list(node.all)
    if isinstance(node, Any_):
        return list(node.any)
    if isinstance(node, Not):
        return [node.not_]
    return []


def walk(nodes: list[Any]) -> Iterator[Any]:
    """Every node, depth first, parents before children."""
    for n in nodes:
        yield n
        yield from walk(children(n))


class RuleSet(BaseModel):
    """A versioned set of criteria, all of which must hold (the top level is an ``all``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: str
    #: what meeting the rule set grants (e.g. ``specialised_sme``), with an optional level
    subject: str
    level: Literal["county", "city", "provincial", "national"] | None = None
    valid_from: dt.date
    valid_to: dt.date | None = None
    sources: dict[str, str]
    criteria: list[Node]
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        check_nodes(self.criteria, self.sources)
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to 早于 valid_from")
        return self

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def leaves(self) -> list[Any]:
        return [n for n in walk(self.criteria) if not children(n)]

    def node(self, node_id: str) -> Any:
        for n in walk(self.criteria):
            if n.id == node_id:
                return n
        raise KeyError(node_id)


def check_nodes(nodes: list[Any], sources: dict[str, str] | None = None) -> None:
    """Unique ids, non-empty groups and (when ``sources`` is given) resolvable sources."""
    seen: set[str] = set()
    for n in walk(nodes):
        if n.id in seen:
            raise ValueError(f"标准编号重复: {n.id}")
        seen.add(n.id)
        if isinstance(n, All | Any_) and not children(n):
            raise ValueError(f"{n.id}: 组合条件不能为空")
        src = getattr(n, "source", None)
        if sources is not None and src is not None and src not in sources:
            raise ValueError(f"{n.id}: 引用了未声明的来源 {src}")


def load_ruleset(source: str | Path) -> RuleSet:
    """A rule set from a YAML file path (or YAML text containing a newline)."""
    if isinstance(source, Path) or "\n" not in source:
        p = Path(source)
        if not p.exists():
            raise CriteriaError(f"找不到规则文件: {p}")
        text, origin = p.read_text(encoding="utf-8"), str(p)
    else:
        text, origin = source, "<text>"
    try:
        data = yamltext.load(text)
    except yaml.YAMLError as exc:
        raise CriteriaError(f"{origin}: YAML 格式错误: {exc}") from exc
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        raise CriteriaError(describe_errors(origin, exc)) from exc


def describe_errors(origin: str, exc: ValidationError) -> str:
    lines = [f"{origin}: 规则校验失败"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  - {loc}: {err['msg']}")
    return "\n".join(lines)


def _num(x: float) -> str:
    if float(x).is_integer():
        return f"{int(x):,}"
    return re.sub(r"\.?0+$", "", f"{x:,.4f}")
