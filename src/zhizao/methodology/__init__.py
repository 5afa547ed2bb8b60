"""Versioned methodologies: pydantic models, loader, validation."""

from zhizao.methodology.loader import MethodologyError, describe, find, load_file, shipped
from zhizao.methodology.models import Methodology, Sourced

__all__ = ["Methodology", "MethodologyError", "Sourced", "describe", "find", "load_file", "shipped"]
