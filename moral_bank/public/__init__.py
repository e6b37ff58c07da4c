"""Home pages, language choice and the health check."""
