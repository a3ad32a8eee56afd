"""Webhooks: the audit log's events posted, signed and retried, to the endpoints a company registered."""
