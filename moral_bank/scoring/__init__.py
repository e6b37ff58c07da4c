"""Scoring: the 孝善信勤简美 rubric, scoring months, scorer assignments, unit settings."""
