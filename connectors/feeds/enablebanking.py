"""Enable Banking's API answers read into feed records (the HTTP client: worker/statements/feeds_enablebanking.py).

Documented at https://enablebanking.com/docs/api/reference/ (the account information flow):

- ``GET /aspsps?country=&psu_type=`` lists the banks (``aspsps``: ``name``, ``country``, ``psu_types``,
  ``maximum_consent_validity`` in seconds): a consent asked (``POST /auth``: ``access.valid_until``, ``aspsp``
  name and country, ``state``, ``redirect_url``, ``psu_type``) lasts at most that long, and the answer's ``url``
  is where the account holder gives it;
- ``POST /sessions`` with the ``code`` the holder comes back with: ``session_id``, the ``accounts`` (``uid``,
  ``account_id.iban``, ``currency``, ``name``) and ``access.valid_until``; ``GET /sessions/{id}``: its ``status``
  (``AUTHORIZED``; ``EXPIRED``, ``REVOKED``, ``CLOSED``, ``CANCELLED``, ``INVALID``; ``PENDING_AUTHORIZATION``,
  ``RETURNED_FROM_BANK`` on the way), its ``accounts`` (uids) and ``access.valid_until``;
- ``GET /accounts/{uid}/details``, ``.../balances`` (``balances``: ``balance_amount``, ``balance_type``,
  ``reference_date``) and ``.../transactions?date_from=&date_to=&continuation_key=`` (``transactions`` and the
  next page's ``continuation_key``, null on the last page).

A transaction (``Transaction``): ``status`` ``BOOK`` (booked) or ``PDNG`` (pending; the others, cancelled,
rejected, scheduled, holds or unknown, moved no money and are left out); ``transaction_amount`` (``amount``,
``currency``) signed by ``credit_debit_indicator`` (``CRDT`` money in, ``DBIT`` out); ``booking_date``,
``value_date``, ``transaction_date``; the payer of a credit is the ``debtor`` (and ``debtor_account.iban``), the
payee of a debit the ``creditor``; ``remittance_information`` (lines of text) and ``reference_number``. Its
identity is ``entry_reference`` ("unique and immutable" for the account); ``transaction_id`` "may change if the
list of transactions is retrieved again", so it is used only when no entry reference is given, and a line with
neither gets one derived from its day, amount, payer and label with an occurrence number
(connectors._common.RefDeriver): two genuine identical payments stay two.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Literal

from connectors._common import RefDeriver
from connectors.feeds import _read
from connectors.feeds.errors import FeedAnswerError
from connectors.feeds.model import BOOKED, PENDING, Consent, FeedAccount, FeedBalance, FeedLine, FeedPage

PROVIDER = "enablebanking"
STATUSES: dict[str, Literal["booked", "pending"]] = {"BOOK": BOOKED, "PDNG": PENDING}
# the session's statuses (documented SessionStatus) as a consent's
_SESSION = {"AUTHORIZED": "active", "EXPIRED": "expired", "REVOKED": "revoked", "CLOSED": "revoked",
            "CANCELLED": "revoked", "INVALID": "revoked", "PENDING_AUTHORIZATION": "pending",
            "RETURNED_FROM_BANK": "pending"}
DEFAULT_CONSENT_SECONDS = 90 * 86_400  # when the bank says nothing of its maximum


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FeedAnswerError(f"{where}: not an object")
    return value


def _stamp(value: str | None, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise FeedAnswerError(f"{where}: {value[:40]!r} is not a date and time") from None


def valid_until(answer: Mapping[str, Any], where: str) -> date | None:
    """The day ``access.valid_until`` falls on (the session's end), None when not given."""
    access = answer.get("access")
    if access is None:
        return None
    found = _stamp(_read.text(_object(access, f"{where}: access"), "valid_until"), f"{where}: access.valid_until")
    return found.date() if found is not None else None


def aspsp(answer: Mapping[str, Any], name: str, country: str) -> Mapping[str, Any]:
    """The bank called ``name`` in ``country`` in ``GET /aspsps`` (its name's case aside); FeedAnswerError
    naming a few of the banks known otherwise."""
    items = answer.get("aspsps")
    if not isinstance(items, list):
        raise FeedAnswerError("enablebanking: /aspsps: aspsps missing")
    known = []
    for i, item in enumerate(items):
        item = _object(item, f"enablebanking: aspsps[{i}]")
        found, where = _read.text(item, "name"), _read.text(item, "country")
        if found is None or (where or "").upper() != country.upper():
            continue
        if found.casefold() == name.strip().casefold():
            return item
        known.append(found)
    shown = ", ".join(sorted(known)[:8]) + (", ..." if len(known) > 8 else "")
    raise FeedAnswerError(f"enablebanking: no bank {name!r} in {country.upper()}"
                          + (f" (known: {shown})" if known else ""))


def consent_until(bank: Mapping[str, Any], now: datetime) -> datetime:
    """The longest consent the bank allows from ``now``: ``maximum_consent_validity`` seconds (90 days when not
    said), less a minute so the end asked is never past the bank's maximum."""
    value = bank.get("maximum_consent_validity")
    try:
        seconds = int(str(value)) if value not in (None, "") else DEFAULT_CONSENT_SECONDS
    except ValueError:
        raise FeedAnswerError(f"enablebanking: aspsp: maximum_consent_validity {value!r} is not a number") from None
    if seconds <= 60:
        raise FeedAnswerError(f"enablebanking: aspsp: maximum_consent_validity {seconds} is too short")
    return now + timedelta(seconds=seconds - 60)


def auth_link(answer: Mapping[str, Any], expires: date | None) -> Consent:
    """``POST /auth``: the ``url`` where the account holder gives the consent (pending until then)."""
    url = _read.required(answer, "url", "enablebanking: /auth")
    return Consent(PROVIDER, "pending", expires, _read.text(answer, "authorization_id"), url)


def account(item: Mapping[str, Any], uid: str | None = None) -> FeedAccount:
    """An ``AccountResource`` (``POST /sessions`` or ``GET /accounts/{uid}/details``): its uid, IBAN, currency."""
    ref = uid or _read.required(item, "uid", "enablebanking: account")
    ident = item.get("account_id")
    iban = _read.text(ident, "iban") if isinstance(ident, Mapping) else None
    return FeedAccount(ref=ref, iban="".join(iban.split()) if iban else None,
                       currency=_read.text(item, "currency") or "EUR",
                       name=_read.text(item, "name") or _read.text(item, "details"))


def session(answer: Mapping[str, Any]) -> tuple[str, list[FeedAccount], date | None]:
    """``POST /sessions``: the session's id, its accounts (those the bank gives no uid for are left out: their
    data cannot be read) and the consent's end."""
    ident = _read.required(answer, "session_id", "enablebanking: /sessions")
    items = answer.get("accounts")
    if not isinstance(items, list):
        raise FeedAnswerError("enablebanking: /sessions: accounts missing")
    accounts = [account(_object(item, f"enablebanking: accounts[{i}]")) for i, item in enumerate(items)
                if isinstance(item, Mapping) and item.get("uid")]
    return ident, accounts, valid_until(answer, "enablebanking: /sessions")


def session_consent(answer: Mapping[str, Any], session_id: str) -> Consent:
    """``GET /sessions/{id}``: the consent's status and end."""
    status = _SESSION.get(_read.text(answer, "status") or "", "pending")
    return Consent(PROVIDER, status, valid_until(answer, "enablebanking: session"), session_id)


def session_accounts(answer: Mapping[str, Any]) -> list[str]:
    """``GET /sessions/{id}``: the uids of the accounts the session gives access to."""
    found = answer.get("accounts")
    if not isinstance(found, list):
        raise FeedAnswerError("enablebanking: session: accounts missing")
    return [str(a) for a in found if a]


def balances(answer: Mapping[str, Any]) -> list[FeedBalance]:
    """``GET /accounts/{uid}/balances``: every balance with its type (CLBD, ITAV...) and reference date."""
    items = answer.get("balances")
    if not isinstance(items, list):
        raise FeedAnswerError("enablebanking: balances missing")
    out = []
    for i, item in enumerate(items):
        where = f"enablebanking: balances[{i}]"
        money = _object(_object(item, where).get("balance_amount"), f"{where}: balance_amount")
        out.append(FeedBalance(_read.amount(money.get("amount"), where), _read.text(money, "currency") or "EUR",
                               _read.text(item, "balance_type") or "",
                               _read.day(_read.text(item, "reference_date"), where)))
    return out


def _party(item: Mapping[str, Any], role: str) -> tuple[str | None, str | None]:
    party, where = item.get(role), item.get(f"{role}_account")
    name = _read.text(party, "name") if isinstance(party, Mapping) else None
    iban = _read.text(where, "iban") if isinstance(where, Mapping) else None
    return name, "".join(iban.split()) if iban else None


def _label(item: Mapping[str, Any]) -> str:
    lines = item.get("remittance_information")
    parts = [str(p).strip() for p in lines if str(p).strip()] if isinstance(lines, list) else []
    return " ".join(dict.fromkeys(parts))


def _line(item: Mapping[str, Any], where: str, derive: RefDeriver) -> FeedLine | None:
    status = STATUSES.get(_read.text(item, "status") or "")
    if status is None:
        return None
    money = _object(item.get("transaction_amount"), f"{where}: transaction_amount")
    value = abs(_read.amount(money.get("amount"), where))
    side = _read.text(item, "credit_debit_indicator")
    if side not in ("CRDT", "DBIT"):
        raise FeedAnswerError(f"{where}: credit_debit_indicator must be CRDT or DBIT, not {side!r}")
    value = value if side == "CRDT" else -value
    booked = _read.day(_read.text(item, "booking_date"), where)
    if status == BOOKED and booked is None:
        raise FeedAnswerError(f"{where}: a booked transaction without booking_date")
    valued = _read.day(_read.text(item, "value_date"), where)
    made = _read.day(_read.text(item, "transaction_date"), where)
    name, iban = _party(item, "debtor" if side == "CRDT" else "creditor")
    label = _label(item)
    reference = _read.text(item, "reference_number")
    ref = _read.text(item, "entry_reference") or _read.text(item, "transaction_id")
    if ref is None:
        ref = derive.derive(booked or valued or made or date.min, value, label, name, scope=status)
    return FeedLine(provider_ref=ref, status=status, amount=value, currency=_read.text(money, "currency") or "EUR",
                    booked_on=booked if status == BOOKED else None, value_on=valued,
                    transaction_on=made or valued or booked, counterparty=name, counterparty_iban=iban,
                    text=label or (reference or ""), reference=reference)


def transactions(answer: Mapping[str, Any], derive: RefDeriver | None = None) -> FeedPage:
    """One page of ``GET /accounts/{uid}/transactions`` and the next page's ``continuation_key`` (None: the last).
    ``derive`` is shared by the pages of one window, so identical lines without ids get distinct occurrences."""
    items = answer.get("transactions")
    if not isinstance(items, list):
        raise FeedAnswerError("enablebanking: transactions missing")
    derive = derive or RefDeriver("eb")
    lines = []
    for i, item in enumerate(items):
        where = f"enablebanking: transactions[{i}]"
        line = _line(_object(item, where), where, derive)
        if line is not None:
            lines.append(line)
    key = answer.get("continuation_key")
    return FeedPage(tuple(lines), None if key in (None, "") else str(key))
