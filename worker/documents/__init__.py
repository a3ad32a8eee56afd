"""The documents sent to customers: invoice PDFs, statements of account, invoice duplicates."""
