"""Dunning: the reminders' plan and sending, their context, the customers' profiles, the worklist."""
