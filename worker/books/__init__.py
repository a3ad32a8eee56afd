"""The books: the accounting entries made from lettrage's decisions, their letter codes and their export (FEC).

Pure modules (no database): ``entries`` (decisions -> entries), ``ledger`` (what an export adds: new entries,
reversals, letter codes), ``fec`` (the FEC writer and checker). ``books_queries`` reads the decisions and records
the exports; ``books_export`` is the service the CLI calls.
"""
