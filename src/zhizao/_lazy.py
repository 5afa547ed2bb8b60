"""Lazy package exports (PEP 562), so that importing a package's name costs nothing.

The command line imports every room's CLI module at start-up; a package ``__init__`` that
imported Ibis, pandas or DuckDB eagerly would make ``zhizao --help`` wait for all of them. A
package lists its public names here instead and each is imported on first use.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``names`` maps a public name to its module.

    A public name may not be the name of one of the package's submodules: importing the submodule
    would set the package attribute to the module, and the lazy name would never be looked up."""

    clash = [n for n in names if importlib.util.find_spec(f"{package}.{n}") is not None]
    if clash:
        raise ImportError(f"{package}: lazy export(s) {clash} are also submodule names")

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            # a submodule not imported yet (``runs.registry``)
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__


class function:
    """A function named ``"module:name"``, imported on its first call: a room's capability names
    its method this way, so that reading the capability (its inputs, headers, methodology model)
    does not import Ibis; a run that finds its SQL kept (:mod:`zhizao.runs.kept`) never calls it."""

    __slots__ = ("_fn", "ref")

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self._fn: Callable[..., Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._fn is None:
            module, _, name = self.ref.partition(":")
            self._fn = getattr(importlib.import_module(module), name)
        return self._fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<function {self.ref} (imported on first call)>"
