"""Jinja2 templates of the reminders, one set per dunning level (package data)."""
