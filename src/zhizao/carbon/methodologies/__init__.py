"""Shipped carbon-efficiency methodologies (one YAML file per version)."""
