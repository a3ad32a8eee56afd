"""The invoices: importing their files, their views and settlement, and where their documents are found."""
