"""Shared plumbing: database base, extensions, i18n, permissions, errors, audit, time."""
