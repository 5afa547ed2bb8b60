"""Shipped projects methodologies (one YAML file per version)."""
