"""Policy documents split into items, as versioned YAML data (METHODS.md section 6).

One file per document (``documents/*.yaml``): the document's identity (issuer, number such as
湖政办发〔2023〕23号, dates, source) and its items. An item has a type (减免 / 奖补 / 权益 / 资质), a
ledger kind (减税 / 减费 / 减租 / 减息 / 减支 / 奖补), eligibility as criteria over named measures
(:mod:`zhizao.policies.measures`), a benefit formula, a stacking rule, the owning office and
hotline, and a payout limit. Every number carries its ``source`` (a key of the file's
``sources``); ``default: true`` marks a value chosen where no official one was found.

The mode is derived, not declared: 免申即享 (``no_application``) when every measure the item
reads is in the data, else 快申快享 (``fast_application``) with the missing measures as the
reason.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zhizao import yamltext
from zhizao.methodology.models import Sourced, _source_refs
from zhizao.policies import measures

ITEM_TYPES = ("减免", "奖补", "权益", "资质")
#: ledger kinds (CONTRACT.md ``benefits.kind``) → Chinese
KINDS: dict[str, str] = {"tax": "减税", "fee": "减费", "rent": "减租", "interest": "减息", "cost": "减支",
                         "award": "奖补"}
MODES: dict[str, str] = {"no_application": "免申即享", "fast_application": "快申快享"}
#: 快申快享: paid within 60 working days of a complete application (METHODS.md section 6)
FAST_PAYOUT_WORKING_DAYS = 60

Op = Literal[">=", ">", "<=", "<", "==", "!=", "in", "not_in"]
OP_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "=": "=", "!=": "≠", "in": "属于", "not_in": "不属于"}


class CatalogueError(ValueError):
    """A policy file that does not validate (message in Chinese, naming what is wrong)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Rule(_Strict):
    """One criterion: ``measure op value`` (e.g. equipment_investment ≥ 500 万元)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    measure: str
    op: Op
    value: float | bool | str | list[str] | list[float]
    unit: str = ""
    source: str | None = None
    default: bool = False


class Tier(_Strict):
    """A bracket of the base: from ``from_`` (inclusive) the rate is ``rate``."""

    from_: float = Field(alias="from")
    rate: float = Field(ge=0)
    source: str
    default: bool = False


class Threshold(_Strict):
    """A one-off award when the measure first passes ``threshold``."""

    threshold: float = Field(gt=0)
    amount: float = Field(ge=0)
    source: str
    default: bool = False


class Benefit(_Strict):
    """How much (万元): ``rate`` × base (or the bracket's rate of ``tiers``), capped; one-off
    ``thresholds`` first passed; a rate ``by`` a class (差别化) × base × ``factor``; a ``fixed``
    amount; or ``none`` (a right or qualification, not money)."""

    formula: Literal["rate", "thresholds", "by_class", "fixed", "none"]
    base: str | None = None
    rate: Sourced | None = None
    tiers: list[Tier] = []
    cap: Sourced | None = None
    #: thresholds: the measure holding the highest earlier value (first passing)
    previous: str | None = None
    thresholds: list[Threshold] = []
    #: by_class: the class measure, its rate per class, the unit factor to 万元
    by: str | None = None
    rates: dict[str, float] = {}
    rates_source: str | None = None
    rates_default: bool = False
    factor: float = 1.0
    #: by_class: a reduction (the firm gains) or a surcharge (a burden, counted negative)
    direction: Literal["reduction", "surcharge"] = "reduction"
    amount: Sourced | None = None
    #: how the rate reads to a person (e.g. "设备投资额的8%，最高1000万元")
    text: str = ""

    @model_validator(mode="after")
    def _shape(self) -> Benefit:
        f = self.formula
        if f == "rate" and (self.base is None or (self.rate is None and not self.tiers)):
            raise ValueError("按比例计算的兑现标准需要 base 和 rate（或 tiers）")
        if f == "thresholds" and (self.base is None or self.previous is None or not self.thresholds):
            raise ValueError("首次突破奖励需要 base、previous 和 thresholds")
        if f == "by_class" and (self.by is None or self.base is None or not self.rates or not self.rates_source):
            raise ValueError("差别化标准需要 by、base、rates 和 rates_source")
        if f == "fixed" and self.amount is None:
            raise ValueError("定额奖励需要 amount")
        if self.tiers and sorted(t.from_ for t in self.tiers) != [t.from_ for t in self.tiers]:
            raise ValueError("tiers 应按起点从小到大排列")
        if self.thresholds and sorted(t.threshold for t in self.thresholds) != [t.threshold for t in self.thresholds]:
            raise ValueError("thresholds 应按门槛从小到大排列")
        return self

    def measures(self) -> list[str]:
        return [m for m in (self.base, self.previous, self.by) if m]


class Stacking(_Strict):
    """Items of one ``group`` for the same firm (and project): ``highest`` = 从高不重复 (only the
    largest is paid), ``sum`` = 可叠加."""

    group: str
    rule: Literal["highest", "sum"] = "highest"
    source: str
    default: bool = False


class Item(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    clause: str = ""
    type: Literal["减免", "奖补", "权益", "资质"]
    kind: Literal["tax", "fee", "rent", "interest", "cost", "award"] | None = None
    level: Literal["firm", "project"] = "firm"
    summary: str = ""
    office: str
    hotline: str
    eligibility: list[Rule] = Field(min_length=1)
    benefit: Benefit
    stacking: Stacking | None = None
    #: 免申即享: paid within this many working days after the public notice closes
    payout_working_days: Sourced
    #: what a 快申快享 application asks for (only what the data does not hold)
    application: list[str] = []
    #: a differential measure (差别化): listed for the power / water company by class
    differential: Literal["electricity", "water", "land_tax", "pollution", "energy_quota", "reward"] | None = None
    # filled in from the document on loading
    document: str = ""

    def measures(self) -> list[str]:
        return list(dict.fromkeys([r.measure for r in self.eligibility] + self.benefit.measures()))


class Document(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: str
    number: str
    issuer: str
    issued_on: dt.date | None = None
    valid_from: dt.date
    valid_to: dt.date | None = None
    region: str | None = None
    url: str = ""
    source: str
    sources: dict[str, str]
    notes: str = ""
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Document:
        refs = _source_refs(self.model_dump(exclude={"sources"}, by_alias=True))
        for it in self.items:
            refs |= {s for s in (it.benefit.rates_source,) if s}
        missing = sorted(s for s in refs if s not in self.sources)
        if missing:
            raise ValueError(f"引用了未声明的来源: {', '.join(missing)}")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to 早于 valid_from")
        seen: set[str] = set()
        for it in self.items:
            if it.id in seen:
                raise ValueError(f"政策条目编号重复: {it.id}")
            seen.add(it.id)
            for m in it.measures():
                if m not in measures.MEASURES:
                    raise ValueError(f"政策条目 {it.id} 引用了未知的指标: {m}")
                if it.level == "firm" and measures.MEASURES[m].level == "project":
                    raise ValueError(f"企业级政策条目 {it.id} 不能引用项目指标: {m}")
            it.document = self.name
        return self

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def applies_to(self, year: int) -> bool:
        return self.valid_from.year <= year and (self.valid_to is None or year <= self.valid_to.year)


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        loc = ".".join(str(x) for x in e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "；".join(parts)


def parse(data: Any, origin: str = "") -> Document:
    try:
        return Document.model_validate(data)
    except ValidationError as exc:
        raise CatalogueError(f"政策文件{(' ' + origin) if origin else ''}校验失败：{_validation_message(exc)}") from None


def load_file(path: Path) -> Document:
    try:
        data = yamltext.load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"无法读取政策文件 {path}: {exc}") from None
    return parse(data, str(path))


@cache
def shipped() -> tuple[Document, ...]:
    """The documents shipped with the platform (``zhizao/policies/documents``), by name."""
    folder = files("zhizao.policies") / "documents"
    docs = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith((".yaml", ".yml")):
            docs.append(parse(yamltext.load(entry.read_text(encoding="utf-8")), entry.name))
    return tuple(docs)


class Catalogue:
    """Every item of a set of documents (the shipped ones by default), looked up by id."""

    def __init__(self, documents: tuple[Document, ...] | list[Document] | None = None) -> None:
        self.documents = tuple(documents) if documents is not None else shipped()
        self._items: dict[str, tuple[Item, Document]] = {}
        for d in self.documents:
            for it in d.items:
                if it.id in self._items:
                    raise CatalogueError(f"政策条目编号 {it.id} 在 {self._items[it.id][1].ref} 和 {d.ref} 中重复")
                self._items[it.id] = (it, d)

    @property
    def items(self) -> list[Item]:
        return [it for it, _ in self._items.values()]

    def item(self, item_id: str) -> Item:
        try:
            return self._items[item_id][0]
        except KeyError:
            raise CatalogueError(f"未知的政策条目: {item_id}") from None

    def document_of(self, item_id: str) -> Document:
        self.item(item_id)
        return self._items[item_id][1]

    def for_year(self, year: int) -> list[Item]:
        return [it for it, d in self._items.values() if d.applies_to(year)]


def declared_tables() -> set[str]:
    from zhizao.contract.tables import TABLES

    return set(TABLES)


def mode(item: Item, tables: set[str] | None = None) -> tuple[str, str]:
    """(mode, reason): 免申即享 when every measure is in the data, else 快申快享 naming what is not."""
    tables = declared_tables() if tables is None else tables
    missing = [measures.get(m) for m in item.measures() if not measures.available(m, tables)]
    if not missing:
        return "no_application", "所需数据均已由政府部门掌握，无需申报"
    names = "、".join(f"{m.label}（{m.source}）" if not m.in_data else f"{m.label}（数据未归集）" for m in missing)
    return "fast_application", f"以下信息数据中没有，需企业简易申报：{names}"


def describe(item: Item, doc: Document, tables: set[str] | None = None) -> dict[str, Any]:
    """An item as CONTRACT.md ``policies list / show`` prints it."""
    m, reason = mode(item, tables)
    return {
        "item_id": item.id, "title": item.title, "type": item.type, "kind": item.kind,
        "kind_label": KINDS.get(item.kind or "", ""), "level": item.level,
        "document": {"name": doc.name, "version": doc.version, "title": doc.title, "number": doc.number,
                     "issuer": doc.issuer, "issued_on": doc.issued_on, "url": doc.url},
        "clause": item.clause, "summary": item.summary,
        "valid_from": doc.valid_from, "valid_to": doc.valid_to,
        "mode": m, "mode_label": MODES[m], "mode_reason": reason,
        "eligibility": [r.model_dump(by_alias=True, exclude_none=True) for r in item.eligibility],
        "benefit": item.benefit.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
        | {"formula": item.benefit.formula},
        "stacking": item.stacking.model_dump(exclude_none=True) if item.stacking else None,
        "payout_working_days": int(item.payout_working_days.value),
        "office": item.office, "hotline": item.hotline, "application": item.application,
        "differential": item.differential,
        "source": {"key": doc.source, "citation": doc.sources[doc.source]},
        "sources": doc.sources,
    }
