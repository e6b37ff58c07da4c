"""Households and their members."""
