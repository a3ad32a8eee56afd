"""What runs several capabilities in one call: the sync, the outboxes' deliveries, an invoice file's import (its
e-invoices, credit notes and the customers' IBANs), the demo; above every capability, so none imports it."""
