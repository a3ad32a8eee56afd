"""GoCardless Bank Account Data as a bank feed (connectors.feeds.protocol.FeedClient), for companies that hold its
user secrets (GoCardless closed the product to new sign-ups).

Endpoints, as documented (https://developer.gocardless.com/bank-account-data/quick-start-guide and .../overview):
``POST /api/v2/token/new/`` with ``secret_id`` and ``secret_key`` gives an ``access`` token (a day) and a
``refresh`` one (a month): ``POST /api/v2/token/refresh/`` renews the first, and a 401 is tried once more with a
renewed token. The account holder's consent is a requisition (``GET /api/v2/requisitions/{id}/``: status ``LN``
linked, ``EX`` expired; the ``link`` where the holder accepts it) on an end-user agreement (``GET
/api/v2/agreements/enduser/{id}/``: ``accepted`` + ``access_valid_for_days`` = the consent's end). Lines:
``GET /api/v2/accounts/{id}/transactions/?date_from=&date_to=`` (``booked`` and ``pending``); balances:
``.../balances/``; the IBAN: ``GET /api/v2/accounts/{id}/``. A 403 (or 401 after the token was renewed) means the
access expired or was withdrawn: the consent must be renewed. Rate limits (down to 4 calls a day per account at
some banks) answer 429 with the reset in the ``HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_RESET`` header.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from connectors.feeds import gocardless
from connectors.feeds.errors import ConsentExpired, FeedAnswerError
from connectors.feeds.model import Consent, FeedAccount, FeedBalance, FeedLine
from worker.statements.feeds_http import FeedHttp

PREFIX = "/api/v2"


class GoCardlessClient:
    """The requisition's accounts and lines, with the tokens its user secrets give."""

    provider = "gocardless"

    def __init__(self, http: FeedHttp, secret_id: str, secret_key: str, requisition_id: str) -> None:
        self.http = http
        self._secrets = (secret_id, secret_key)
        self.requisition_id = requisition_id
        self._access: str | None = None
        self._refresh: str | None = None
        self._requisition: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"GoCardlessClient(requisition={self.requisition_id!r})"

    @classmethod
    def build(cls, http: FeedHttp, credentials: dict[str, str], requisition_id: str) -> GoCardlessClient:
        return cls(http, credentials["secret_id"], credentials["secret_key"], requisition_id)

    def _token(self, renew: bool = False) -> str:
        if self._access is not None and not renew:
            return self._access
        answer: Any = None
        if renew and self._refresh is not None:
            try:
                answer = self.http.json("POST", f"{PREFIX}/token/refresh/", body={"refresh": self._refresh})
            except ConsentExpired:
                answer = None  # the refresh token expired too: new tokens from the secrets
        if answer is None:
            try:
                answer = self.http.json("POST", f"{PREFIX}/token/new/",
                                        body={"secret_id": self._secrets[0], "secret_key": self._secrets[1]})
            except ConsentExpired:
                raise ConsentExpired("gocardless: the user secrets were refused (401): check secret_id and "
                                     "secret_key in the Bank Account Data portal") from None
            if isinstance(answer, dict) and answer.get("refresh"):
                self._refresh = str(answer["refresh"])
        if not isinstance(answer, dict) or not answer.get("access"):
            raise FeedAnswerError("gocardless: token: access missing")
        self._access = str(answer["access"])
        return self._access

    def _get(self, path: str, query: dict[str, str] | None = None) -> Any:
        return self._call("GET", path, query)

    def _call(self, method: str, path: str, query: dict[str, str] | None = None,
              body: dict[str, Any] | None = None) -> Any:
        try:
            return self.http.json(method, f"{PREFIX}{path}", query, body,
                                  headers={"Authorization": f"Bearer {self._token()}"})
        except ConsentExpired as exc:
            if "(403)" in str(exc):
                raise ConsentExpired(f"gocardless: the bank access expired or was withdrawn (403): renew the consent "
                                     f"(requisition {self.requisition_id})") from None
        try:  # a 401: the access token expired; once more with a renewed one
            return self.http.json(method, f"{PREFIX}{path}", query, body,
                                  headers={"Authorization": f"Bearer {self._token(renew=True)}"})
        except ConsentExpired:
            raise ConsentExpired(f"gocardless: access refused after renewing the token: renew the consent "
                                 f"(requisition {self.requisition_id})") from None

    def _requisition_answer(self) -> dict[str, Any]:
        if self._requisition is None:
            self._requisition = self._get(f"/requisitions/{self.requisition_id}/")
        if not isinstance(self._requisition, dict):
            raise FeedAnswerError("gocardless: requisition: not an object")
        return self._requisition

    def consent(self) -> Consent:
        requisition = self._requisition_answer()
        agreement_id = requisition.get("agreement")
        agreement = self._get(f"/agreements/enduser/{agreement_id}/") if agreement_id else None
        return gocardless.consent(requisition, agreement if isinstance(agreement, dict) else None)

    def accounts(self) -> Sequence[FeedAccount]:
        requisition = self._requisition_answer()
        if requisition.get("status") == "EX":
            raise ConsentExpired(f"gocardless: the consent expired (requisition {self.requisition_id}): renew it")
        return [gocardless.account(self._get(f"/accounts/{ref}/"), ref)
                for ref in gocardless.requisition_accounts(requisition)]

    def balances(self, account: FeedAccount) -> Sequence[FeedBalance]:
        return gocardless.balances(self._get(f"/accounts/{account.ref}/balances/"))

    def transactions(self, account: FeedAccount, since: date, until: date) -> Sequence[FeedLine]:
        answer = self._get(f"/accounts/{account.ref}/transactions/",
                           {"date_from": since.isoformat(), "date_to": until.isoformat()})
        return gocardless.transactions(answer)

    def renew(self, redirect: str, reference: str) -> Consent:
        """A new requisition at the same bank, for as long as the bank allows: its id and the ``link`` where the
        account holder gives the consent again (status ``pending`` until then)."""
        requisition = self._requisition_answer()
        institution = requisition.get("institution_id")
        if not institution:
            raise FeedAnswerError("gocardless: requisition: institution_id missing")
        history, access = gocardless.agreement_terms(self._get(f"/institutions/{institution}/"))
        agreement = self._call("POST", "/agreements/enduser/", body={
            "institution_id": institution, "max_historical_days": history, "access_valid_for_days": access,
            "access_scope": ["balances", "details", "transactions"]})
        if not isinstance(agreement, dict) or not agreement.get("id"):
            raise FeedAnswerError("gocardless: agreement: id missing")
        created = self._call("POST", "/requisitions/", body={
            "redirect": redirect, "institution_id": institution, "agreement": agreement["id"],
            "reference": reference, "user_language": "FR"})
        if not isinstance(created, dict) or not created.get("link"):
            raise FeedAnswerError("gocardless: requisition: link missing")
        return gocardless.consent(created, None)
