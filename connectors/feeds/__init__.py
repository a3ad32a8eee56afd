"""Bank feeds behind one provider-neutral interface: accounts, booked and pending lines, balances, consent.

Pure: the records (``model``), the client's Protocol (``protocol``), the providers known (``registry``), a
scripted client for tests and demos (``memory``), each provider's answers read into the records (``qonto``,
``gocardless``) and the identity rule shared with statement files (``identity``). The HTTP clients live in
worker/statements/feeds_*.py, behind the server's outbound guard.
"""
