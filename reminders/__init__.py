"""Dunning: the policy, the plan of what to send when, the channels and the templates.

- :mod:`reminders.model` — the records exchanged with the worker (DueInvoice, SentLevel, PlannedReminder...);
- :mod:`reminders.policy` — ``DEFAULT_POLICY`` and ``load_policy(toml_text)``;
- :mod:`reminders.planner` — ``plan(invoices, as_of, policy, history)`` (pure) and ``held(invoices)``;
- :mod:`reminders.context` / :mod:`reminders.render` — French templates: ``render``, ``compose``;
- :mod:`reminders.channels` — ``build_channels(smtp_url, mail_from, out_dir)``: email, letter, phone;
- :mod:`reminders.errors` — ReminderError and its children.

This package reads no environment and no clock in the planner: settings and ``as_of`` are passed in.
"""
