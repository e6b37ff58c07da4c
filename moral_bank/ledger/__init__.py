"""The points ledger: the only code that changes a balance."""
