"""The ``[books]`` section of a company's configuration: which accounts and journals the entries go to.

Read by ``worker.books`` (the entries made from the decisions, and their export); checked here, below every
service, like the other sections (``worker.company_sections``). The defaults follow the French chart of accounts
(PCG): 512 bank, 411 customers, 471 suspense, 658/758 payment differences, 627 bank fees, 665 discounts granted,
467 refunds due, 706 sales. A bad value raises ConfigurationError naming where it comes from and the key
(``var/companies/atelier.toml: books.bank_account='612000': a bank account starts with 51``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from worker.errors import ConfigurationError

CUSTOMER_MODES = ("collective", "per_customer")
EXPORT_FORMATS = ("fec", "sage", "ebp")  # worker.books.formats.WRITERS (a unit test keeps them the same)
EXPORT_EVERY = ("daily", "monthly", "off")
WRITE_OFF_KINDS = ("payment_difference", "bank_fee", "discount")
_ACCOUNT = re.compile(r"^[1-8][0-9A-Z]{2,19}$")
_JOURNAL = re.compile(r"^[A-Z0-9]{1,8}$")


@dataclass(frozen=True)
class BankJournal:
    """Where one bank account's receipts are booked: its journal code and its 512 account."""

    journal: str
    account: str


@dataclass(frozen=True)
class BooksChart:
    """The accounts and journals of a company's entries (``[books]``), PCG defaults."""

    bank_journal: str = "BQ"
    bank_account: str = "512000"
    banks: dict[str, BankJournal] = field(default_factory=dict)  # a bank account's identifier -> its journal
    sales_journal: str = "VE"
    misc_journal: str = "OD"
    sales_entries: bool = True  # the sales journal's entries of the invoices (False: the billing tool sends them)
    sales_account: str = "706000"
    customer_account: str = "411000"
    customer_accounts: str = "collective"  # collective: 411000 + auxiliary = customer ref; per_customer: 411<REF>
    on_account_account: str = ""  # "" keeps money on account on the customer's 411; "419100" for advances
    refund_due_account: str = "467000"
    suspense_account: str = "471000"
    not_customer_account: str = "471000"
    write_offs: dict[str, str] = field(default_factory=lambda: {
        "payment_difference": "658000", "bank_fee": "627000", "discount": "665000"})
    payment_difference_gain: str = "758000"  # an over-payment written off (a negative write-off)
    # the scheduled export (the daily sync): into the operator's folder (relative: to the companies' folder)
    export_folder: str = ""  # "" = no scheduled export
    export_format: str = "fec"
    export_every: str = "daily"  # daily: up to the day before the sync; monthly: the month before, once
    export_separator: str = "tab"  # the FEC's column separator (tab | pipe)

    def bank(self, identifier: str) -> BankJournal:
        """The journal and 512 account of the bank account ``identifier`` (the default ones when not mapped)."""
        return self.banks.get(identifier) or BankJournal(self.bank_journal, self.bank_account)

    def customer(self, ref: str) -> tuple[str, str]:
        """The customer's account number and auxiliary code ("" when each customer has its own 411)."""
        if self.customer_accounts == "per_customer":
            return self.customer_account[:3] + re.sub(r"[^0-9A-Z]", "", ref.upper()), ""
        return self.customer_account, ref

    def write_off_account(self, kind: str | None, amount_positive: bool = True) -> str:
        if not amount_positive:
            return self.payment_difference_gain
        return self.write_offs.get(kind or "payment_difference", self.write_offs["payment_difference"])


_ACCOUNT_PREFIX = {"bank_account": "51", "customer_account": "41", "suspense_account": "47",
                   "sales_account": "70"}
_KEYS = {"bank_journal", "bank_account", "banks", "sales_journal", "misc_journal", "sales_entries", "sales_account",
         "customer_account", "customer_accounts", "on_account_account", "refund_due_account", "suspense_account",
         "not_customer_account", "write_offs", "payment_difference_gain", "export_folder", "export_format",
         "export_every", "export_separator"}


def _account(where: str, key: str, raw: object, prefix: str = "") -> str:
    value = str(raw).strip().upper() if isinstance(raw, str | int) else ""
    if not _ACCOUNT.match(value):
        raise ConfigurationError(f"{where}: books.{key}={raw!r}: not an account number (3 to 20 digits or "
                                 "capitals, its class first)")
    if prefix and not value.startswith(prefix):
        raise ConfigurationError(f"{where}: books.{key}={raw!r}: must start with {prefix}")
    return value


def _journal(where: str, key: str, raw: object) -> str:
    if not isinstance(raw, str) or not _JOURNAL.match(raw):
        raise ConfigurationError(f"{where}: books.{key}={raw!r}: a journal code is 1 to 8 capitals or digits")
    return raw


def parse_books(raw: dict[str, Any], where: str = "company setting") -> BooksChart:
    """The checked ``[books]`` section; raises ConfigurationError naming ``where`` and the key."""
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigurationError(f"{where}: books.{unknown[0]}: unknown key (known: {', '.join(sorted(_KEYS))})")
    base = BooksChart()
    values: dict[str, Any] = {}
    for key in ("bank_journal", "sales_journal", "misc_journal"):
        if key in raw:
            values[key] = _journal(where, key, raw[key])
    for key in ("bank_account", "sales_account", "customer_account", "refund_due_account", "suspense_account",
                "not_customer_account", "payment_difference_gain"):
        if key in raw:
            values[key] = _account(where, key, raw[key], _ACCOUNT_PREFIX.get(key, ""))
    if "on_account_account" in raw:
        values["on_account_account"] = ("" if raw["on_account_account"] == "" else
                                        _account(where, "on_account_account", raw["on_account_account"], "41"))
    if "customer_accounts" in raw:
        if raw["customer_accounts"] not in CUSTOMER_MODES:
            raise ConfigurationError(f"{where}: books.customer_accounts={raw['customer_accounts']!r}: must be one "
                                     f"of {', '.join(CUSTOMER_MODES)}")
        values["customer_accounts"] = raw["customer_accounts"]
    if "sales_entries" in raw:
        if not isinstance(raw["sales_entries"], bool):
            raise ConfigurationError(f"{where}: books.sales_entries={raw['sales_entries']!r}: must be true or false")
        values["sales_entries"] = raw["sales_entries"]
    for key, allowed in (("export_format", EXPORT_FORMATS), ("export_every", EXPORT_EVERY),
                         ("export_separator", ("tab", "pipe"))):
        if key in raw:
            if raw[key] not in allowed:
                raise ConfigurationError(f"{where}: books.{key}={raw[key]!r}: must be one of {', '.join(allowed)}")
            values[key] = raw[key]
    if "export_folder" in raw:
        if not isinstance(raw["export_folder"], str):
            raise ConfigurationError(f"{where}: books.export_folder={raw['export_folder']!r}: must be a folder's "
                                     "path (a string)")
        values["export_folder"] = raw["export_folder"].strip()
    if "write_offs" in raw:
        table = raw["write_offs"]
        if not isinstance(table, dict):
            raise ConfigurationError(f"{where}: books.write_offs: must be a table of kind = account")
        for kind in table:
            if kind not in WRITE_OFF_KINDS:
                raise ConfigurationError(f"{where}: books.write_offs.{kind}: unknown write-off kind (known: "
                                         f"{', '.join(WRITE_OFF_KINDS)})")
        values["write_offs"] = {**base.write_offs, **{k: _account(where, f"write_offs.{k}", v, "6")
                                                     for k, v in table.items()}}
    if "banks" in raw:
        table = raw["banks"]
        if not isinstance(table, dict):
            raise ConfigurationError(f"{where}: books.banks: must be a table of bank account = {{journal, account}}")
        banks: dict[str, BankJournal] = {}
        for identifier, spec in table.items():
            key = f"banks.{identifier}"
            if not isinstance(spec, dict) or set(spec) - {"journal", "account"}:
                raise ConfigurationError(f"{where}: books.{key}: must be a table with journal and account")
            banks[identifier] = BankJournal(
                _journal(where, f"{key}.journal", spec.get("journal", values.get("bank_journal", base.bank_journal))),
                _account(where, f"{key}.account", spec.get("account", values.get("bank_account", base.bank_account)),
                         "51"))
        values["banks"] = banks
    return BooksChart(**values)
