"""The company's own bank accounts: an IBAN is checked before it is registered, and an account (or a customer's
IBAN) that is also another company's bank account is reported.

The default account is printed in reminders and letters as the account to pay, so a value presented as an IBAN
(``invoice_files.iban_shaped``) must be a valid one (country, length, checksum); a bank's own account number
(not shaped like an IBAN) is kept as it is and never printed as an IBAN (``invoice_files.printable_iban``).

The same IBAN as the own account of two companies of one deployment is not refused (a firm may hold a test or a
sister company on the same account) but reported: at the statement import that registers it (``warnings``,
without naming the other company, since an import answers API callers too) and by ``lettrage accounts list``
(naming it, for the operator). A customer's IBAN that is one of this company's accounts, or another company's,
is reported by the invoice import (a typo, or a client of the firm buying from another: both worth a look).
A customer's IBAN known to the customers of another company is not reported: a customer of several companies
of the portfolio is ordinary.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session

from worker.db.repository import Repository
from worker.db.tables import BankAccount
from worker.errors import LettrageError
from worker.invoices.invoice_files import iban_error, iban_shaped, normalise_iban, printable_iban, shown
from worker.statements import statement_queries


class BankAccountError(LettrageError):
    """Raised when an account identifier shaped as an IBAN is not a valid one, or a registration is bad."""


def account_identifier(raw: str, where: str | None) -> str:
    """The identifier an account is registered and looked up by: a valid IBAN in compact form, or the bank's
    own account id with spaces removed. A value shaped like an IBAN that is not a valid one raises
    BankAccountError naming ``where`` (the file; None: the value speaks for itself) and the reason."""
    try:
        return normalise_iban(raw)
    except ValueError:
        if iban_shaped(raw):
            reason = iban_error(raw) or "Invalid IBAN"
            raise BankAccountError(f"{f'{where}: ' if where else ''}account {shown(raw)!r} is not a valid IBAN "
                                   f"({reason[:1].lower()}{reason[1:]})") from None
        return "".join(raw.split())


def accounts_elsewhere(session: Session, company_id: int, identifiers: Iterable[str]) -> dict[str, list[str]]:
    """Of ``identifiers``, those that are also a bank account of another company: identifier -> its refs."""
    wanted = sorted(set(identifiers))
    found: dict[str, list[str]] = defaultdict(list)
    for start in range(0, len(wanted), 1000):
        for identifier, ref in statement_queries.accounts_of_other_companies(
                session, company_id, wanted[start:start + 1000]):
            found[identifier].append(ref)
    return dict(found)


def customer_iban_warnings(repo: Repository, new_ibans: Iterable[tuple[str, str]]) -> list[str]:
    """Warnings for the customers' IBANs an import registers (customer ref, IBAN) that are a bank account of
    this company (its customer's payments would be taken for internal transfers) or of another one."""
    pairs = list(dict.fromkeys(new_ibans))
    if not pairs:
        return []
    own = {a.identifier for a in repo.bank_accounts()}
    elsewhere = accounts_elsewhere(repo.session, repo.company_id, (iban for _, iban in pairs))
    warnings = []
    for ref, iban in pairs:
        if iban in own:
            warnings.append(f"customer {ref}: IBAN {iban} is one of this company's own bank accounts: "
                            "its payments would be taken for internal transfers; check the billing tool")
        elif iban in elsewhere:
            warnings.append(f"customer {ref}: IBAN {iban} is also a bank account of another company of this "
                            "deployment: right if that company is the customer, else check the billing tool")
    return warnings


def shared_account_warning(identifier: str) -> str:
    """The statement import's line for a newly registered account that another company also has."""
    return (f"account {identifier} is also a bank account of another company of this deployment: check that this "
            "file is this company's (`lettrage accounts list` names the other one)")


@dataclass(frozen=True)
class AccountRow:
    identifier: str
    iban: bool
    name: str | None
    currency: str | None
    default: bool
    shared_with: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"identifier": self.identifier, "iban": self.iban, "name": self.name, "currency": self.currency,
                "default": self.default, "shared_with": self.shared_with}


def list_accounts(repo: Repository) -> list[AccountRow]:
    """The company's bank accounts, each with the other companies that have the same one."""
    accounts = repo.bank_accounts()
    shared = accounts_elsewhere(repo.session, repo.company_id, (a.identifier for a in accounts))
    return [AccountRow(a.identifier, printable_iban(a.identifier) == a.identifier, a.name, a.currency, a.is_default,
                       shared.get(a.identifier, [])) for a in accounts]


def add_account(repo: Repository, raw: str, *, actor: str, name: str | None = None, currency: str | None = None,
                default: bool = False) -> tuple[AccountRow, bool, list[str]]:
    """Registers one of the company's bank accounts by hand (or updates its name, currency, default flag):
    (the account, whether it is new, warnings). The first account is the default one."""
    identifier = account_identifier(raw, None)
    if len(identifier) > 64 or not identifier:
        raise BankAccountError(f"account {raw[:70]!r}: not an IBAN nor a bank account id (1 to 64 characters)")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise BankAccountError(f"currency {currency!r} is not an ISO 4217 code")
    accounts = {a.identifier: a for a in repo.bank_accounts()}
    account = accounts.get(identifier)
    created = account is None
    if account is None:
        account = BankAccount(identifier=identifier, is_default=not accounts)
    before = {"name": account.name, "currency": account.currency, "default": account.is_default}
    if name is not None:
        account.name = name
    if currency is not None:
        account.currency = currency.upper()
    if default and not account.is_default:
        for other in accounts.values():
            if other.is_default:
                other.is_default = False
                repo.add(other)
        account.is_default = True
    repo.add(account)
    repo.flush()
    after = {"name": account.name, "currency": account.currency, "default": account.is_default}
    if created:
        repo.audit("bank_account.registered", subject=f"account:{identifier}", actor=actor, source="cli", **after)
    elif after != before:
        repo.audit("bank_account.updated", subject=f"account:{identifier}", actor=actor, before=before, after=after)
    shared = accounts_elsewhere(repo.session, repo.company_id, [identifier]).get(identifier, [])
    warnings = ([f"account {identifier} is also a bank account of {', '.join(shared)}: check it is this company's"]
                if shared else [])
    row = AccountRow(identifier, printable_iban(identifier) == identifier, account.name, account.currency,
                     account.is_default, shared)
    return row, created, warnings
