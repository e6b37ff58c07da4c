"""A household\x27s passbook: history month by month, a chart, a printable page, the passbook API."""
