"""Qonto's Business API answers read into feed records (the HTTP client: worker/statements/feeds_qonto.py).

Documented at https://docs.qonto.com/api-reference/business-api/transactions-statements/transactions/list-transactions
(``GET /v2/transactions``: ``bank_account_id`` or ``iban``, ``status[]`` completed | pending | declined | reversed,
``settled_at_from`` / ``settled_at_to``, ``current_page`` / ``per_page``; the answer's ``meta.next_page``) and
https://docs.qonto.com/get-started/business-api/authentication/api-key (``Authorization: {login}:{secret-key}``,
``GET /v2/organization`` lists the organisation's ``bank_accounts``).

A transaction's identity is its ``id`` (Qonto keeps it from pending to completed); its booked day is
``settled_at`` in Paris time; ``side`` gives the sign (credit: money in). Declined and reversed transactions never
moved money and are left out.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from zoneinfo import ZoneInfo

from connectors.feeds import _read
from connectors.feeds.errors import FeedAnswerError
from connectors.feeds.model import BOOKED, PENDING, FeedAccount, FeedBalance, FeedLine, FeedPage

PARIS = ZoneInfo("Europe/Paris")
STATUSES: dict[str, Literal["booked", "pending"]] = {"completed": BOOKED, "pending": PENDING}


def accounts(answer: Mapping[str, Any]) -> list[FeedAccount]:
    """The bank accounts of ``GET /v2/organization``."""
    organisation = answer.get("organization")
    if not isinstance(organisation, Mapping) or not isinstance(organisation.get("bank_accounts"), list):
        raise FeedAnswerError("qonto: /v2/organization: organization.bank_accounts missing")
    found = []
    for i, item in enumerate(organisation["bank_accounts"]):
        where = f"qonto: bank_accounts[{i}]"
        if not isinstance(item, Mapping):
            raise FeedAnswerError(f"{where}: not an object")
        if (_read.text(item, "status") or "active") == "closed":
            continue
        found.append(FeedAccount(ref=_read.required(item, "id", where), iban=_read.text(item, "iban"),
                                 currency=_read.text(item, "currency") or "EUR", name=_read.text(item, "name")))
    return found


def balances(answer: Mapping[str, Any], account_ref: str) -> list[FeedBalance]:
    """The booked (``balance_cents``) and available (``authorized_balance_cents``) balances of one account."""
    organisation = answer.get("organization") or {}
    for item in organisation.get("bank_accounts") or []:
        if isinstance(item, Mapping) and item.get("id") == account_ref:
            currency = _read.text(item, "currency") or "EUR"
            out = []
            for key, kind in (("balance_cents", "booked"), ("authorized_balance_cents", "available")):
                if item.get(key) is not None:
                    out.append(FeedBalance(_read.amount(item[key], f"qonto: {key}") / 100, currency, kind))
            return out
    return []


def _line(item: Mapping[str, Any], where: str) -> FeedLine | None:
    status = STATUSES.get(_read.text(item, "status") or "")
    if status is None:
        return None
    ref = _read.required(item, "id", where)
    if item.get("amount_cents") is not None:
        value = _read.amount(item["amount_cents"], where) / 100
    else:
        value = _read.amount(item.get("amount"), where)
    side = _read.text(item, "side")
    if side not in ("credit", "debit"):
        raise FeedAnswerError(f"{where}: side must be credit or debit, not {side!r}")
    value = abs(value) if side == "credit" else -abs(value)
    settled = _read.day(_read.text(item, "settled_at"), where, PARIS)
    if status == BOOKED and settled is None:
        raise FeedAnswerError(f"{where}: a completed transaction without settled_at")
    transfer = item.get("transfer") if isinstance(item.get("transfer"), Mapping) else {}
    iban = None
    if transfer and (_read.text(transfer, "counterparty_account_number_format") or "IBAN") == "IBAN":
        iban = _read.text(transfer, "counterparty_account_number")
    label = _read.text(item, "label")
    reference = _read.text(item, "reference")
    return FeedLine(provider_ref=ref, status=status, amount=value, currency=_read.text(item, "currency") or "EUR",
                    booked_on=settled if status == BOOKED else None,
                    value_on=settled if status == BOOKED else None,
                    transaction_on=_read.day(_read.text(item, "emitted_at"), where, PARIS),
                    counterparty=label, counterparty_iban=iban,
                    text=" ".join(t for t in (label, reference) if t), reference=reference,
                    end_to_end_id=_read.text(item, "end_to_end_id"))


def transactions(answer: Mapping[str, Any]) -> FeedPage:
    """One page of ``GET /v2/transactions`` and the next page's number (``meta.next_page``)."""
    items = answer.get("transactions")
    if not isinstance(items, list):
        raise FeedAnswerError("qonto: /v2/transactions: transactions missing")
    lines = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise FeedAnswerError(f"qonto: transactions[{i}]: not an object")
        line = _line(item, f"qonto: transactions[{i}]")
        if line is not None:
            lines.append(line)
    meta = answer.get("meta") if isinstance(answer.get("meta"), Mapping) else {}
    following = meta.get("next_page") if meta else None
    return FeedPage(tuple(lines), None if following in (None, "") else str(following))
