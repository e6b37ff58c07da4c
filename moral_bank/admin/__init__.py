"""Managing users and their roles."""
