"""The common part of every methodology file.

A methodology is versioned data: factors, thresholds, weights and rules, each with the
source it came from. One YAML file per (name, version). Capabilities subclass
:class:`Methodology` with their own fields; this base carries identity, validity and sources.

Example (the head of ``zhizao/carbon/methodologies/zhejiang-carbon-2022.yaml``)::

    name: zhejiang-carbon
    version: "2022"
    method: carbon
    title: 浙江省工业碳效码（默认）
    region: "330000"
    valid_from: 2022
    valid_to: 2022
    sources:
      db33-1347: DB33/T 1347-2023 工业企业碳效综合评估与分级赋码规范
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Sourced(BaseModel):
    """A value with where it came from: ``source`` names a key of the file's ``sources``;
    ``default`` marks a clearly labelled choice where no official value was found."""

    model_config = ConfigDict(extra="forbid")

    value: float
    source: str
    default: bool = False


class Methodology(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    method: str
    title: str
    region: str | None = Field(default=None, description="GB/T 2260 code the rules belong to")
    valid_from: int = Field(description="first year the rules apply to")
    valid_to: int | None = Field(default=None, description="last year (None: still in force)")
    sources: dict[str, str] = Field(description="key → citation of every source used in the file")
    notes: str = ""

    @model_validator(mode="after")
    def _sources_resolve(self) -> Methodology:
        missing = sorted({s for s in _source_refs(self.model_dump(exclude={"sources"})) if s not in self.sources})
        if missing:
            raise ValueError(f"引用了未声明的来源: {', '.join(missing)}")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to 早于 valid_from")
        return self

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def applies_to(self, year: int) -> bool:
        return self.valid_from <= year and (self.valid_to is None or year <= self.valid_to)

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of the validated content (stable across YAML formatting)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _source_refs(obj: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "source" and isinstance(v, str):
                found.add(v)
            else:
                found |= _source_refs(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            found |= _source_refs(v)
    return found


def field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name of ``model`` and of the models nested in it (through lists, dicts and
    unions): what a methodology's reference documentation must name."""
    seen = seen if seen is not None else set()
    out: set[str] = set()
    for name, info in model.model_fields.items():
        out.add(name)
        for arg in (info.annotation, *getattr(info.annotation, "__args__", ())):
            for inner in (arg, *getattr(arg, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
                    seen.add(inner)
                    out |= field_names(inner, seen)
    return out
