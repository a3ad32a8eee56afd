"""Matching and review: which invoices each bank line pays, decided by the matcher or a person."""
