"""Dated rate tables (TOML) read by reminders.law.rates; edit them when a new half-year is published."""
