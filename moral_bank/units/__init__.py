"""Units: the county → township → unit tree."""
