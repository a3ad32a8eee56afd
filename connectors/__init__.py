"""Statement sources and parsers: bank files in, ParsedStatement records out.

Nothing here touches the database: the worker stores what the parsers return.
"""
