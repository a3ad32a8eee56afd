"""E-invoicing (French reform, EN 16931): pure code, no database, no clock.

Readers of Factur-X, CII and UBL invoices into one plain model, validation against the official
artefacts (XSD and compiled Schematron run with an XSLT 3 processor), and the lifecycle status
messages (CDAR) of the reform.
"""
