"""Reading YAML (methodologies, rule sets, catalogues): one function, on libyaml when PyYAML has
it. The pure-Python parser took about half a second to read the shipped green-factory and
policy files, which every command paid at start-up; libyaml reads them in a few milliseconds.
Both are PyYAML's *safe* loaders: the same tags, the same Python values."""

from __future__ import annotations

from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """The YAML document in ``text`` (raises ``yaml.YAMLError`` as ``yaml.safe_load`` does)."""
    return yaml.load(text, Loader=_Loader)
