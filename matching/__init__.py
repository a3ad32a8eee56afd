"""The pure matching core: bank lines and open invoices in, decisions out.

No database, no network, no clock: callers pass everything in, including ``today``.
"""
