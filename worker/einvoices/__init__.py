"""E-invoicing: incoming and outgoing e-invoices, their lifecycle statuses, e-reporting, the platform."""
