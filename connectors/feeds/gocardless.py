"""GoCardless Bank Account Data answers read into feed records (the HTTP client:
worker/statements/feeds_gocardless.py).

Documented at https://developer.gocardless.com/bank-account-data/overview and .../quick-start-guide:
``POST /api/v2/token/new/`` (``secret_id``, ``secret_key`` -> ``access``, ``refresh``), ``POST
/api/v2/token/refresh/``, ``GET /api/v2/requisitions/{id}/`` (its ``status``, ``agreement``, ``accounts``, ``link``),
``GET /api/v2/agreements/enduser/{id}/`` (``access_valid_for_days`` from ``accepted``: the consent's end),
``GET /api/v2/accounts/{id}/`` (``iban``), ``.../balances/`` and ``.../transactions/?date_from=&date_to=``
(``transactions.booked`` and ``transactions.pending``); a consent renewed: ``GET /api/v2/institutions/{id}/``
(``transaction_total_days``, ``max_access_valid_for_days``), ``POST /api/v2/agreements/enduser/``, ``POST
/api/v2/requisitions/`` (its ``link``, where the account holder accepts it).

A line's identity is its ``transactionId``, else ``internalTransactionId``; a line with neither gets one derived
from its day, amount, payer and label with an occurrence number (connectors._common.RefDeriver), so two genuine
identical payments stay two. The payer of a credit is the debtor, the payee of a debit the creditor.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from connectors._common import RefDeriver
from connectors.feeds import _read
from connectors.feeds.errors import FeedAnswerError
from connectors.feeds.model import BOOKED, PENDING, Consent, FeedAccount, FeedBalance, FeedLine

# the requisition's statuses (documented): LN linked; EX expired; RJ rejected; SU suspended; CR, GC, UA, SA, GA
# on the way (the holder has not finished at the bank)
_REQUISITION = {"LN": "active", "EX": "expired", "RJ": "revoked", "SU": "revoked"}


def account(answer: Mapping[str, Any], ref: str) -> FeedAccount:
    """``GET /api/v2/accounts/{id}/``: the account's IBAN (and its currency from ``/details/`` when given)."""
    return FeedAccount(ref=ref, iban=_read.text(answer, "iban"), currency=_read.text(answer, "currency") or "EUR",
                       name=_read.text(answer, "owner_name") or _read.text(answer, "name"))


def consent(requisition: Mapping[str, Any], agreement: Mapping[str, Any] | None) -> Consent:
    """The consent of a requisition: its status, and its end (``accepted`` + ``access_valid_for_days``)."""
    ref = _read.required(requisition, "id", "gocardless: requisition")
    status = _REQUISITION.get(_read.text(requisition, "status") or "", "pending")
    expires: date | None = None
    if agreement:
        start = _read.day(_read.text(agreement, "accepted") or _read.text(agreement, "created"),
                          "gocardless: agreement")
        days = agreement.get("access_valid_for_days")
        if start is not None and days is not None:
            try:
                expires = start + timedelta(days=int(str(days)))
            except ValueError:
                raise FeedAnswerError(f"gocardless: agreement: access_valid_for_days {days!r} is not a number") \
                    from None
    return Consent("gocardless", status, expires, ref, _read.text(requisition, "link"))


def agreement_terms(institution: Mapping[str, Any]) -> tuple[int, int]:
    """``GET /api/v2/institutions/{id}/``: the longest history (``transaction_total_days``) and access
    (``max_access_valid_for_days``) the bank allows, for a new end-user agreement (90 and 90 when not said)."""
    def days(key: str, default: int) -> int:
        value = institution.get(key)
        try:
            return int(str(value)) if value not in (None, "") else default
        except ValueError:
            raise FeedAnswerError(f"gocardless: institution: {key} {value!r} is not a number") from None

    return days("transaction_total_days", 90), days("max_access_valid_for_days", 90)


def requisition_accounts(requisition: Mapping[str, Any]) -> list[str]:
    """The ids of the accounts a linked requisition gives access to."""
    found = requisition.get("accounts")
    if not isinstance(found, list):
        raise FeedAnswerError("gocardless: requisition: accounts missing")
    return [str(a) for a in found]


def balances(answer: Mapping[str, Any]) -> list[FeedBalance]:
    """``GET /api/v2/accounts/{id}/balances/``: every balance with its type and reference date."""
    out = []
    for i, item in enumerate(answer.get("balances") or []):
        where = f"gocardless: balances[{i}]"
        money = item.get("balanceAmount") if isinstance(item, Mapping) else None
        if not isinstance(money, Mapping):
            raise FeedAnswerError(f"{where}: balanceAmount missing")
        out.append(FeedBalance(_read.amount(money.get("amount"), where), _read.text(money, "currency") or "EUR",
                               _read.text(item, "balanceType") or "", _read.day(_read.text(item, "referenceDate"),
                                                                                 where)))
    return out


def _party(item: Mapping[str, Any], role: str) -> tuple[str | None, str | None]:
    account_ = item.get(f"{role}Account")
    iban = _read.text(account_, "iban") if isinstance(account_, Mapping) else None
    return _read.text(item, f"{role}Name"), iban


def _label(item: Mapping[str, Any]) -> str:
    parts = [_read.text(item, "remittanceInformationUnstructured")]
    array = item.get("remittanceInformationUnstructuredArray")
    if isinstance(array, list):
        parts += [str(p).strip() for p in array if str(p).strip()]
    parts.append(_read.text(item, "additionalInformation"))
    return " ".join(dict.fromkeys(p for p in parts if p))


def transactions(answer: Mapping[str, Any]) -> list[FeedLine]:
    """``GET /api/v2/accounts/{id}/transactions/``: the booked lines, then the pending ones."""
    found = answer.get("transactions")
    if not isinstance(found, Mapping):
        raise FeedAnswerError("gocardless: transactions missing")
    lines: list[FeedLine] = []
    for status, key in ((BOOKED, "booked"), (PENDING, "pending")):
        items = found.get(key) or []
        if not isinstance(items, list):
            raise FeedAnswerError(f"gocardless: transactions.{key} is not a list")
        derive = RefDeriver("gc")
        for i, item in enumerate(items):
            where = f"gocardless: transactions.{key}[{i}]"
            if not isinstance(item, Mapping):
                raise FeedAnswerError(f"{where}: not an object")
            money = item.get("transactionAmount")
            if not isinstance(money, Mapping):
                raise FeedAnswerError(f"{where}: transactionAmount missing")
            value = _read.amount(money.get("amount"), where)
            booked = _read.day(_read.text(item, "bookingDate") or _read.text(item, "bookingDateTime"), where)
            if status == BOOKED and booked is None:
                raise FeedAnswerError(f"{where}: a booked transaction without bookingDate")
            name, iban = _party(item, "debtor" if value > 0 else "creditor")
            label = _label(item)
            valued = _read.day(_read.text(item, "valueDate") or _read.text(item, "valueDateTime"), where)
            ref = _read.text(item, "transactionId") or _read.text(item, "internalTransactionId")
            if ref is None:
                ref = derive.derive(booked or valued or date.min, value, label, name, scope=key)
            lines.append(FeedLine(provider_ref=ref, status=status, amount=value,
                                  currency=_read.text(money, "currency") or "EUR", booked_on=booked,
                                  value_on=valued, transaction_on=valued or booked, counterparty=name,
                                  counterparty_iban=iban, text=label,
                                  reference=_read.text(item, "entryReference"),
                                  end_to_end_id=_read.text(item, "endToEndId")))
    return lines
