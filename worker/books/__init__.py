"""The books: the accounting entries made from lettrage's decisions, their letter codes and their export.

Pure modules (no database): ``entries`` (decisions -> entries), ``ledger`` (what an export adds: new entries,
reversals, letter codes), ``fec`` (the FEC writer and checker), ``sage`` (Sage 100's PNM import), ``ebp`` (EBP's
ASCII import), ``formats`` (the registry of writers, ``--format``). ``books_queries`` reads the decisions and
records the exports; ``books_export`` is the service the CLI and the API call, ``report`` the reconciliation
report of a period, ``schedule`` the sync's export into the company's folder.
"""
