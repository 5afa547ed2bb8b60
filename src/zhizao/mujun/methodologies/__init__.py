"""Shipped 亩均 methodologies (YAML)."""
