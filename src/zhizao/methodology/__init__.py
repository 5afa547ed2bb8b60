"""Versioned methodologies: pydantic models, loader, validation."""

from typing import TYPE_CHECKING

from zhizao._lazy import exports

if TYPE_CHECKING:
    from zhizao.methodology.loader import MethodologyError, describe, find, load_file, shipped
    from zhizao.methodology.models import Methodology, Sourced

__getattr__, __dir__ = exports(__name__, {
    **dict.fromkeys(("MethodologyError", "describe", "find", "load_file", "shipped"), "zhizao.methodology.loader"),
    **dict.fromkeys(("Methodology", "Sourced"), "zhizao.methodology.models"),
})

__all__ = ["Methodology", "MethodologyError", "Sourced", "describe", "find", "load_file", "shipped"]
