"""Dunning: the policy, the plan of what to send when, the channels and the templates."""
