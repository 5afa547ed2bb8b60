"""Finding, loading and validating methodology files.

Shipped files live beside their capability (``zhizao/<capability>/methodologies/*.yaml``) so
whoever works on a method finds its rules next to its code. A user's file is loaded by path.
``NAME`` selects the newest version valid for the year; ``NAME@VERSION`` one version.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from zhizao import capabilities, yamltext
from zhizao.methodology.models import Methodology


class MethodologyError(ValueError):
    """A methodology that cannot be found or does not validate (message in Chinese)."""


@dataclass(frozen=True)
class Entry:
    methodology: Methodology
    path: str
    shipped: bool


def _parse(text: str, origin: str) -> Methodology:
    try:
        data = yamltext.load(text)
    except yaml.YAMLError as exc:
        raise MethodologyError(f"{origin}: YAML 格式错误: {exc}") from exc
    if not isinstance(data, dict):
        raise MethodologyError(f"{origin}: 应为 YAML 映射")
    method = data.get("method")
    try:
        model = capabilities.get(str(method)).methodology_model
    except KeyError as exc:
        raise MethodologyError(f"{origin}: {exc.args[0]}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [f"{origin}: 方法论文件校验失败"]
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            lines.append(f"  - {loc}: {err['msg']}")
        raise MethodologyError("\n".join(lines)) from exc


def load_file(path: str | Path) -> Methodology:
    p = Path(path)
    if not p.exists():
        raise MethodologyError(f"找不到方法论文件: {p}")
    return _parse(p.read_text(encoding="utf-8"), str(p))


def shipped(method: str | None = None) -> list[Entry]:
    """Every methodology shipped with the installed capabilities (``method``: with that one's only,
    so resolving one method's methodology neither reads nor validates the others' files, nor
    imports their rooms)."""
    out: list[Entry] = []
    for name in capabilities.names():
        if method is not None and name != method:
            continue
        pkg = capabilities.package(name) + ".methodologies"
        try:
            root = resources.files(pkg)
        except ModuleNotFoundError:
            continue
        for f in sorted(root.iterdir(), key=lambda x: x.name):
            if f.name.endswith((".yaml", ".yml")):
                out.append(Entry(_parse(f.read_text(encoding="utf-8"), f.name), f"{pkg}:{f.name}", True))
    return out


def find(name_or_file: str | None, method: str, year: int | None = None) -> Methodology:
    """Resolve ``--methodology``: a file path, ``NAME@VERSION``, ``NAME`` or None (the method's default)."""
    if name_or_file and (name_or_file.endswith((".yaml", ".yml")) or Path(name_or_file).exists()):
        m = load_file(name_or_file)
        if m.method != method:
            raise MethodologyError(f"方法论 {m.ref} 属于 {m.method}，不能用于 {method}")
        return m
    candidates = [e.methodology for e in shipped(method) if e.methodology.method == method]
    if name_or_file:
        name, _, version = name_or_file.partition("@")
        candidates = [m for m in candidates if m.name == name and (not version or m.version == version)]
        if not candidates:
            raise MethodologyError(f"找不到方法论: {name_or_file}")
    else:
        default = capabilities.get(method).extra.get("default_methodology")
        if default:
            candidates = [m for m in candidates if m.name == default] or candidates
    if not candidates:
        raise MethodologyError(f"方法 {method} 没有可用的方法论")
    explicit = bool(name_or_file and "@" in name_or_file)
    if year is not None and not explicit:
        # NAME@VERSION is one version, used as asked (a run records when its year is outside
        # the version's validity, e.g. the next rules applied to this year's data)
        valid = [m for m in candidates if m.applies_to(year)]
        if valid:
            candidates = valid
        else:
            # a year after the newest rules: take the latest earlier version (stated in the run)
            earlier = [m for m in candidates if m.valid_from <= year]
            if not earlier:
                first = min(m.valid_from for m in candidates)
                raise MethodologyError(f"{year} 年没有适用的方法论 {candidates[0].name}（最早适用于 {first} 年）")
            candidates = earlier
    return max(candidates, key=lambda m: (m.valid_from, m.version))


def describe(m: Methodology) -> dict[str, Any]:
    return {
        "name": m.name,
        "version": m.version,
        "method": m.method,
        "title": m.title,
        "region": m.region,
        "valid_from": m.valid_from,
        "valid_to": m.valid_to,
        "hash": m.content_hash(),
    }
