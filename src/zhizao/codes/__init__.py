"""Code tables: credit codes (GB 32100), industries (GB/T 4754-2017), regions (GB/T 2260)."""
