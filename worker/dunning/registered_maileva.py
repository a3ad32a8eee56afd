"""Maileva's registered-letter API (« Envoi et Suivi de Lettres Recommandées En Ligne distribuées par le facteur »,
``registered_mail/v2``), the provider behind the ``registered`` channel (reminders/channels/registered.py).

Followed as documented (Maileva developer portal, https://www.maileva.com/developpeur/, API « registered_mail »
v2, OpenAPI 2.5; servers https://api.maileva.com/registered_mail/v2 and, for tests,
https://api.sandbox.maileva.net/registered_mail/v2):

- authentication: OAuth2 « password » grant, ``POST {auth_url}`` (https://connexion.maileva.com/auth/realms/
  services/protocol/openid-connect/token) with HTTP Basic ``client_id:client_secret`` and the form
  ``grant_type=password&username=…&password=…``; the ``access_token`` answered is sent as ``Authorization: Bearer``.
  A 401 on a call renews the token once;
- sending a letter: ``POST /sendings`` (JSON ``sending_creation``: ``name``, ``custom_id`` (≤ 38),
  ``acknowledgement_of_receipt``, ``acknowledgement_of_receipt_scanning``, ``color_printing``, ``duplex_printing``,
  ``optional_address_sheet``, ``notification_email``, ``sender_address_line_1..6``, ``sender_country_code``,
  ``archiving_duration``) → 201 with the sending's ``id`` (status ``DRAFT``); ``POST /sendings/{id}/documents``
  (multipart ``document`` + ``metadata`` ``{"priority": 1, "name": …}``); ``POST /sendings/{id}/recipients`` (JSON
  ``recipient_creation``: ``custom_id`` (≤ 32), ``address_line_1..6`` (38 characters each, line 1 or 2 and line 6
  required, line 6 « code postal sur 5 chiffres, suivi d'un espace, suivi d'une ville » in France),
  ``country_code``); ``POST /sendings/{id}/submit`` (« un envoi soumis ne peut pas être annulé »);
- tracking: ``GET /sendings/{id}`` (``status``: DRAFT, PENDING, ACCEPTED, REJECTED, PROCESSED,
  PROCESSED_WITH_ERRORS; ``deposit_proof_date``, ``deposit_proof_url``), ``GET /sendings/{id}/recipients``
  (``registered_number``: the dispatch number; ``acknowledgement_of_receipt_url``), ``GET /sendings/{id}/recipients/
  {rid}/delivery_statuses`` (codes A01…A27 conveyance, P01…P06 presentation, D01 « Distribué », N01 « AR Signé :
  RAR distribué », N02…N10 undeliverable, unclaimed, refused…), ``GET /sendings/{id}/download_deposit_proof`` and
  ``GET /sendings/{id}/recipients/{rid}/download_acknowledgement_of_receipt`` (the PDF, zipped).

Submitted at most once per reference: the sending's id is written to a journal (:class:`FileJournal`, under the
company's output folder) as soon as the provider creates it, before its documents and its submission. A later try
of the same letter (the reminder outbox tries a failed message again) reads it back: a sending already submitted is
returned as it is (nothing posted twice), a draft left behind is deleted and made again. When the answer to the
submission itself is lost (no answer, 5xx), the sending is read back before the try is called failed.

Every request goes through the server's outbound client (worker/outbound.py): a provider (or a test's fake) on an
internal address is reached only when the operator allows its host (LETTRAGE_OUTBOUND_ALLOW_HOSTS). Reads are tried
again at once on a 5xx or no answer (twice more at most); a write is not (the journal makes the next try safe).
The credentials come from the environment (worker/dunning/registered_config.py) and appear in no message or log.
"""
from __future__ import annotations

import base64
import io
import json
import re
import secrets
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from reminders.channels.base import write_atomically
from reminders.channels.registered import RegisteredLetter, Submission
from reminders.errors import ChannelError
from worker.dunning.registered_config import Credentials, RegisteredMailSettings

MAX_LINE = 38  # characters of an address line (recipient_creation)
_POSTCODE_CITY = re.compile(r"^\d{5} \S.*$")
# The delivery statuses (delivery_statuses_response) that end a letter's journey, and what they mean here.
DELIVERED = {"D01": "delivered", "N01": "delivered"}
UNCLAIMED = {"P03", "N03", "A14", "A17"}  # not claimed within the holding period
REFUSED = {"A16", "A18", "P04", "P05", "P06", "N05", "N08"}
RETURNED = {"A19", "A21", "A22", "A23", "A24", "A25", "A26", "N02", "N04", "N06", "N07", "N10"}
SUBMITTED = {"PENDING", "ACCEPTED", "PROCESSED", "PROCESSED_WITH_ERRORS", "REJECTED"}


class FileJournal:
    """The sendings created, by reference: one small JSON file each under ``folder``, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, reference: str) -> Path:
        return self.folder / f"{re.sub(r'[^A-Za-z0-9_-]', '_', reference)}.json"

    def get(self, reference: str) -> str | None:
        """The sending id recorded for ``reference``, or None."""
        try:
            return str(json.loads(self._path(reference).read_text("utf-8"))["sending_id"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, reference: str, sending_id: str) -> None:
        """Record ``sending_id`` for ``reference`` (on disk before anything else is sent for it)."""
        write_atomically(self._path(reference), json.dumps({"sending_id": sending_id}).encode("utf-8"))

    def forget(self, reference: str) -> None:
        self._path(reference).unlink(missing_ok=True)


@dataclass(frozen=True)
class DeliveryEvent:
    """One delivery status of the letter (delivery_statuses_response)."""

    code: str
    label: str
    at: datetime | None


@dataclass(frozen=True)
class Tracking:
    """Where a sending stands at the provider."""

    sending_status: str
    status_detail: str = ""
    registered_number: str = ""  # the dispatch number (numéro de recommandé)
    deposited_on: date | None = None  # date of the proof of deposit
    deposit_proof_url: str = ""
    recipient_id: str = ""
    recipient_status: str = ""  # DRAFT, PENDING, PROCESSED, REJECTED
    acknowledgment_url: str = ""
    events: tuple[DeliveryEvent, ...] = ()

    @property
    def outcome(self) -> str:
        """``delivered``, ``unclaimed``, ``refused``, ``returned``, ``rejected`` (by the provider) or ``in_transit``
        (or ``submitted`` before the post took it)."""
        if self.sending_status == "REJECTED" or self.recipient_status == "REJECTED":  # one recipient per sending
            return "rejected"
        codes = {e.code for e in self.events}
        if codes & set(DELIVERED):
            return "delivered"
        for kind, known in (("unclaimed", UNCLAIMED), ("refused", REFUSED), ("returned", RETURNED)):
            if codes & known:
                return kind
        return "in_transit" if self.deposited_on is not None or self.events else "submitted"

    @property
    def received_on(self) -> date | None:
        """The date the post delivered the letter to its addressee (art. 669 CPC: the date the post affixes on
        delivery): the « Distribué » status (D01), else the scanned signed acknowledgment's (N01)."""
        for code in ("D01", "N01"):
            days = [e.at.date() for e in self.events if e.code == code and e.at is not None]
            if days:
                return min(days)
        return None

    @property
    def ended(self) -> tuple[date | None, str] | None:
        """When and why the letter came back undelivered (unclaimed, refused, returned), or None."""
        if self.outcome not in ("unclaimed", "refused", "returned"):
            return None
        ending = UNCLAIMED | REFUSED | RETURNED
        last = [e for e in self.events if e.code in ending]
        event = max(last, key=lambda e: (e.at is not None, e.at or datetime.min))
        return (event.at.date() if event.at else None), f"{event.code} {event.label}".strip()


def address_lines(lines: tuple[str, ...], who: str) -> tuple[dict[str, str], str]:
    """A name and postal address as Maileva's six address lines (name on line 1; the street lines before the
    « code postal ville » on line 6; « France » dropped) and the country code; raises ChannelError naming what
    Maileva would refuse (more than six lines, a line over 38 characters, no 5-digit postal code and city)."""
    parts = [line.strip() for line in lines if line and line.strip()]
    if parts and parts[-1].upper() == "FRANCE":
        parts = parts[:-1]
    if len(parts) < 2:
        raise ChannelError(f"registered letter to {who}: the address needs a name and a postal code and city line")
    if not _POSTCODE_CITY.match(parts[-1]):
        raise ChannelError(f"registered letter to {who}: the last address line must be the 5-digit postal code "
                           f"and the city (addresses in France), not {parts[-1]!r}")
    middle = parts[1:-1]
    if len(middle) > 4:
        raise ChannelError(f"registered letter to {who}: the address has more than six lines")
    slots = {1: [4], 2: [3, 4], 3: [3, 4, 5], 4: [2, 3, 4, 5]}.get(len(middle), [])
    out = {"address_line_1": parts[0], "address_line_6": parts[-1]}
    out.update({f"address_line_{n}": text for n, text in zip(slots, middle, strict=True)})
    for key, text in sorted(out.items()):
        if len(text) > MAX_LINE:
            raise ChannelError(f"registered letter to {who}: address line {text!r} is longer than {MAX_LINE} "
                               f"characters")
    return out, "FR"


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def pdf_of(data: bytes) -> bytes:
    """The PDF of a download: the first PDF of a ZIP (Maileva zips its proofs), or the bytes when they are one;
    raises ChannelError otherwise."""
    if data.startswith(b"%PDF"):
        return data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                content = archive.read(member)
                if content.startswith(b"%PDF"):
                    return content
    except (zipfile.BadZipFile, OSError, ValueError):
        pass
    raise ChannelError("the provider's proof is neither a PDF nor a ZIP holding one")


class MailevaClient:
    """The ``registered`` channel's transport (reminders.channels.registered.RegisteredMailTransport) and the
    tracking the poller reads (worker/dunning/registered_letters.py). ``outbound``: worker.outbound.OutboundClient
    (or an object with its ``request``)."""

    provider = "maileva"

    def __init__(self, settings: RegisteredMailSettings, credentials: Credentials, outbound: Any,
                 journal: FileJournal, *, timeout: float = 20.0, read_tries: int = 3) -> None:
        self.settings, self._credentials, self.outbound = settings, credentials, outbound
        self.journal, self.timeout, self.read_tries = journal, timeout, read_tries
        self._token: str | None = None
        self.base = settings.base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"MailevaClient({self.base!r}, credentials=***)"

    # -- HTTP ---------------------------------------------------------------------------------------------------
    def _host(self) -> str:
        return urlsplit(self.base).hostname or self.base

    def _authenticate(self) -> str:
        c = self._credentials
        basic = base64.b64encode(f"{c.client_id}:{c.client_secret}".encode()).decode("ascii")
        body = urlencode({"grant_type": "password", "username": c.username, "password": c.password}).encode()
        try:
            answer = self.outbound.request("POST", self.settings.auth_url, body=body, timeout=self.timeout,
                                           max_bytes=64 * 1024, headers={
                                               "Authorization": f"Basic {basic}", "Accept": "application/json",
                                               "Content-Type": "application/x-www-form-urlencoded"})
        except OSError as exc:
            raise ChannelError(f"maileva: authentication server unreachable: {exc}") from exc
        if answer.status in (400, 401, 403):
            raise ChannelError(f"maileva: the credentials were refused ({answer.status}): check "
                               f"{self.settings.client_id_env}, {self.settings.client_secret_env}, "
                               f"{self.settings.username_env} and {self.settings.password_env}")
        if answer.status != 200:
            raise ChannelError(f"maileva: authentication answered {answer.status}")
        try:
            token = json.loads(answer.body)["access_token"]
        except (ValueError, KeyError, TypeError):
            raise ChannelError("maileva: the authentication answer holds no access_token") from None
        self._token = str(token)
        return self._token

    def _request(self, method: str, path: str, *, body: bytes | None = None, content_type: str | None = None,
                 max_bytes: int = 1024 * 1024) -> Any:
        """One call with the bearer token (renewed once on a 401); reads tried again on a 5xx or no answer."""
        url = path if path.startswith(("http://", "https://")) else f"{self.base}{path}"
        root = urlsplit(self.base)
        if root.path and path.startswith(f"{root.path}/"):  # a URL the API gives from its host's root
            url = f"{root.scheme}://{root.netloc}{path}"
        tries = self.read_tries if method == "GET" else 1
        renewed = False
        last: Exception | None = None
        answer = None
        for _try in range(tries + 1):
            token = self._token or self._authenticate()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json, application/zip, */*"}
            if content_type:
                headers["Content-Type"] = content_type
            try:
                answer = self.outbound.request(method, url, body=body, headers=headers, timeout=self.timeout,
                                               max_bytes=max_bytes)
            except OSError as exc:
                last, answer = exc, None
                if method != "GET" or _try + 1 >= tries:
                    break
                continue
            if answer.status == 401 and not renewed:
                renewed, self._token = True, None
                continue
            if answer.status >= 500 and method == "GET" and _try + 1 < tries:
                continue
            return answer
        if answer is not None:
            return answer
        raise ChannelError(f"maileva: {self._host()} unreachable ({method} {_route(path)}): {last}")

    def _json(self, method: str, path: str, payload: Mapping[str, Any] | None = None,
              expect: tuple[int, ...] = (200, 201)) -> Any:
        body = json.dumps(payload).encode("utf-8") if payload is not None else None
        answer = self._request(method, path, body=body, content_type="application/json" if body else None)
        if answer.status not in expect:
            raise ChannelError(f"maileva: {method} {_route(path)} answered {answer.status}{_errors(answer.body)}")
        if not answer.body:
            return {}
        try:
            return json.loads(answer.body)
        except ValueError:
            raise ChannelError(f"maileva: {method} {_route(path)} answered something that is not JSON") from None

    # -- submission ---------------------------------------------------------------------------------------------
    def submit(self, letter: RegisteredLetter) -> Submission:
        """Create, fill and submit the sending of ``letter`` once per ``letter.reference`` (see the module)."""
        who = letter.customer_ref or "customer"
        recipient, country = address_lines(letter.recipient_lines, who)
        sender, sender_country = address_lines(letter.sender_lines, "the sender (company address)")
        known = self.journal.get(letter.reference)
        if known is not None:
            found = self._existing(known)
            if found is not None and found != "DRAFT":
                return Submission(known, found, resumed=True, detail="already submitted")
            if found == "DRAFT":  # an earlier try stopped before submitting: start again from nothing
                self._request("DELETE", f"/sendings/{known}")
            self.journal.forget(letter.reference)
        creation: dict[str, Any] = {
            "name": letter.name[:256], "custom_id": letter.reference[:38], "custom_data": who[:255],
            "acknowledgement_of_receipt": letter.acknowledgment_of_receipt,
            "acknowledgement_of_receipt_scanning": letter.acknowledgment_of_receipt
            and self.settings.acknowledgment_scanning,
            "color_printing": self.settings.color_printing, "duplex_printing": self.settings.duplex_printing,
            "optional_address_sheet": False, "archiving_duration": self.settings.archiving_years,
            "sender_country_code": sender_country,
            **{f"sender_{key}": value for key, value in sender.items()},
        }
        if self.settings.notification_email:
            creation["notification_email"] = self.settings.notification_email
        sending = self._json("POST", "/sendings", creation, expect=(201, 200))
        sending_id = str(sending.get("id") or "")
        if not sending_id:
            raise ChannelError("maileva: the sending created has no id")
        self.journal.put(letter.reference, sending_id)
        self._document(sending_id, letter)
        self._json("POST", f"/sendings/{sending_id}/recipients",
                   {"custom_id": letter.reference[:32], "country_code": country, **recipient}, expect=(201, 200))
        try:
            answer = self._request("POST", f"/sendings/{sending_id}/submit")
        except ChannelError:  # no answer: the submission may or may not have reached the provider
            answer = None
        if answer is not None and answer.status < 500 and answer.status != 200:
            raise ChannelError(f"maileva: POST /sendings/{{id}}/submit answered {answer.status}{_errors(answer.body)}")
        lost = answer is None or answer.status >= 500
        status = self._existing(sending_id) if lost else "PENDING"
        if status is None or status == "DRAFT":
            raise ChannelError(f"maileva: sending {sending_id} was not submitted (no answer to the submission); "
                               f"it will be checked again before another try")
        return Submission(sending_id, status or "PENDING")

    def _existing(self, sending_id: str) -> str | None:
        """The status of the sending, or None when the provider does not know it; raises ChannelError when it
        cannot tell."""
        answer = self._request("GET", f"/sendings/{sending_id}")
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise ChannelError(f"maileva: GET /sendings/{{id}} answered {answer.status}{_errors(answer.body)}")
        try:
            return str(json.loads(answer.body).get("status") or "")
        except (ValueError, AttributeError):
            raise ChannelError("maileva: GET /sendings/{id} answered something that is not JSON") from None

    def _document(self, sending_id: str, letter: RegisteredLetter) -> None:
        boundary = f"lettrage-{secrets.token_hex(12)}"
        metadata = json.dumps({"priority": 1, "name": letter.filename}).encode("utf-8")
        body = b"".join([
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"{letter.filename}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n".encode(), letter.pdf, b"\r\n",
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
            f"Content-Type: application/json\r\n\r\n".encode(), metadata, b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ])
        answer = self._request("POST", f"/sendings/{sending_id}/documents", body=body,
                               content_type=f"multipart/form-data; boundary={boundary}")
        if answer.status not in (200, 201):
            raise ChannelError(f"maileva: POST /sendings/{{id}}/documents answered {answer.status}"
                               f"{_errors(answer.body)}")

    # -- tracking -----------------------------------------------------------------------------------------------
    def track(self, sending_id: str) -> Tracking:
        """The sending's status, dispatch number, proof of deposit and delivery statuses; raises ChannelError."""
        sending = self._json("GET", f"/sendings/{sending_id}", expect=(200,))
        recipients = self._json("GET", f"/sendings/{sending_id}/recipients", expect=(200,)).get("recipients") or []
        recipient = recipients[0] if recipients and isinstance(recipients[0], dict) else {}
        events: list[DeliveryEvent] = []
        rid = str(recipient.get("id") or "")
        if rid:
            found = self._json("GET", f"/sendings/{sending_id}/recipients/{rid}/delivery_statuses",
                               expect=(200,)).get("delivery_statuses") or []
            events = [DeliveryEvent(str(e.get("status") or ""), str(e.get("label") or ""), _when(e.get("date")))
                      for e in found if isinstance(e, dict)]
        deposit = _when(sending.get("deposit_proof_date"))
        return Tracking(
            sending_status=str(sending.get("status") or ""), status_detail=str(sending.get("status_detail") or recipient.get("status_detail") or ""),
            registered_number=str(recipient.get("registered_number") or ""),
            deposited_on=deposit.date() if deposit else None,
            deposit_proof_url=str(sending.get("deposit_proof_url") or "") if deposit else "",
            recipient_id=rid, recipient_status=str(recipient.get("status") or ""), acknowledgment_url=str(recipient.get("acknowledgement_of_receipt_url") or ""),
            events=tuple(events))

    def download(self, path: str) -> bytes | None:
        """The PDF at ``path`` (a proof's URL as the API gives it), or None while it is not available (404)."""
        answer = self._request("GET", path, max_bytes=20 * 1024 * 1024)
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise ChannelError(f"maileva: GET {_route(path)} answered {answer.status}{_errors(answer.body)}")
        return pdf_of(answer.body)


def _route(path: str) -> str:
    """The path with its ids hidden (a message names the route, not the customer's sending)."""
    route = urlsplit(path).path if path.startswith(("http://", "https://")) else path
    return re.sub(r"/(sendings|recipients|documents)/[^/]+", r"/\1/{id}", route)


def _errors(body: bytes) -> str:
    """The provider's error codes (errors_response / error_response), for the one-line message."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return ""
    items = data.get("errors") if isinstance(data, dict) else None
    items = items if isinstance(items, list) else [data] if isinstance(data, dict) else []
    codes = [str(i.get("code")) for i in items if isinstance(i, dict) and i.get("code")]
    return f": {', '.join(codes)}" if codes else ""
