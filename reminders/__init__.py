"""Dunning: the policy, the plan of what to send when, the channels and the templates.

- :mod:`reminders.model` — the records exchanged with the worker (DueInvoice, SentLevel, PlannedReminder,
  Pause, CustomerRules...);
- :mod:`reminders.policy` — ``STANDARD_POLICY`` (the issue's seven levels and profiles), ``DEFAULT_POLICY``
  (the first four), ``load_policy(toml_text)``, ``profile_of`` and ``policy_for`` (a customer's own policy);
- :mod:`reminders.planner` — ``plan_run(invoices, as_of, policy, history, customers, pauses)``: one message
  per customer at the level due that has waited longest (pure); ``plan`` and ``held``, per invoice and level;
- :mod:`reminders.context` / :mod:`reminders.render` — French and English templates: ``render``, ``compose``;
- :mod:`reminders.channels` — ``all_channels(...)``: email, letter (WeasyPrint), phone, SMS, export;
- :mod:`reminders.calendar`, :mod:`reminders.law`, :mod:`reminders.reports` — business days, French
  late-payment law, aged balance and DSO;
- :mod:`reminders.errors` — ReminderError and its children.

This package reads no environment and no clock in the planner: settings and ``as_of`` are passed in.
"""
