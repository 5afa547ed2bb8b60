"""Shipped economy methodology files (energy coefficients for years without a carbon methodology)."""
