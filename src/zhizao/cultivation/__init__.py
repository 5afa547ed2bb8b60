"""五企培育: enterprise cultivation tiers screened with the criteria engine (METHODS.md section 5)."""
