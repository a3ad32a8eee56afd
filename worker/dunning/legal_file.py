"""The legal file of a customer: an internal dossier for the company's lawyer or commissaire de justice, never a
message to the customer.

One ZIP per customer and case (the customer and the day it is drawn up), holding REAL proofs, each numbered as
an exhibit (pièce) and listed in ``index.json`` with its SHA-256, and a readable summary (``sommaire.html`` and
``sommaire.pdf``):

- each claimed invoice's own PDF (uploaded or named by the billing export), else its duplicata generated with an
  invoice's mandatory mentions (worker/documents/invoice_duplicates.py); an invoice with neither is listed with
  the reason;
- the reminders actually sent, from the audit log (``reminder.sent``: day, level, channel, Message-ID, subject,
  body, attachments): a letter's PDF as written by the letter channel when it is still in the company's output
  folder, else the message as sent, in text;
- the formal notice as sent (the same way), with its date and deadline;
- the registered letters' proofs (worker/dunning/registered_queries.registered_proofs_of): dispatch number,
  deposit and receipt dates, the proof of deposit and the signed acknowledgment as exhibits, the copy of the
  letter posted as the formal notice "as sent"; the acknowledgment's date starts the notice's deadline;
- the statement of account on the day, the payments received and their allocations, the money received and
  not yet allocated;
- what the customer answered: pauses for a dispute, a promise or a payment plan, notes on the customer,
  e-invoicing statuses received (a 207 « En litige »…);
- the claim: principal, late-payment penalties to date with the rate in words (reminders.law, the customer's
  penalty mode), the 40 EUR indemnities (C. com. L441-10, D441-5), the total; the court an injonction de payer
  goes to and whether the small-claims procedure is open (worker/dunning/legal_rules.py).

Disputed invoices (a dispute pause, or held by a pending payment or an e-invoicing status) are left out of the
claim and listed with why: a claim before a judge must be certain. The same data on the same day give the same
bytes (no generation time is written; ZIP entries dated alike). Who drew it up is in the audit log
(``legal.file_generated``), not in the file.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from reminders.channels.base import safe_name, write_atomically
from reminders.context import format_amount, format_date
from worker.db.reminder_queries import formal_notices, pauses_of
from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice
from worker.dunning.legal_queries import (
    AllocatedPayment,
    Event,
    allocated_payments,
    exchange_events,
    reminders_sent,
)
from worker.dunning.legal_rules import (
    POSTAL_DAYS,
    Court,
    LegalPathRefused,
    NoticeGate,
    SmallClaims,
    competent_court,
    debtor_place,
    formal_notice_gate,
    is_trader,
    small_claims,
)
from worker.dunning.registered_queries import RegisteredProof
from worker.errors import LettrageError

ZERO = Decimal("0.00")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # ZIP entries dated alike: the same data give the same bytes
_MAX_PROOF_BYTES = 20 * 1024 * 1024
LEVELS_FR = {"courteous": "Rappel avant échéance", "first_reminder": "Première relance",
             "second_reminder": "Deuxième relance", "call": "Appel téléphonique", "formal_notice": "Mise en demeure",
             "payment_plan": "Proposition d'échéancier", "duplicate": "Envoi d'un duplicata"}
CHANNELS_FR = {"email": "courriel", "letter": "courrier", "sms": "SMS", "phone": "tâche d'appel",
               "registered": "lettre recommandée"}
PAUSES_FR = {"dispute": "Contestation", "promise": "Promesse de paiement", "payment_plan": "Échéancier accepté",
             "einvoice_terms": "Conditions de paiement illisibles", "other": "Suspension"}


class CustomerNotFound(LettrageError):
    """Raised when the customer a legal file is asked for does not exist in the company."""

    http_status = 404


class NothingToClaim(LettrageError):
    """Raised when a customer has no overdue, undisputed invoice: there is no claim to file."""

    http_status = 422


@dataclass(frozen=True)
class Piece:
    """One exhibit of the file: its number in the bordereau, its path in the ZIP, what it is and its bytes."""

    number: int
    name: str
    title: str
    kind: str  # invoice | duplicata | reminder | formal_notice | registered_proof | statement
    data: bytes
    day: date | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def as_json(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "title": self.title, "type": self.kind,
                "date": self.day.isoformat() if self.day else None, "size": len(self.data), "sha256": self.sha256}


@dataclass(frozen=True)
class ClaimLine:
    """One claimed invoice: what it was, what is still owed and its penalties to date."""

    number: str
    invoice_id: int
    issued_on: date
    due_on: date
    amount: Decimal
    paid: Decimal
    credited: Decimal
    open: Decimal
    penalty: Decimal
    penalty_days: int
    penalty_basis: str
    notice_on: date | None


@dataclass(frozen=True)
class Claim:
    """The claim in one currency: principal, penalties with the rate in words, indemnities, total."""

    currency: str
    lines: tuple[ClaimLine, ...]
    principal: Decimal  # the open amounts less money received not yet allocated (netted)
    netted: Decimal
    penalties: Decimal
    rate_in_words: str
    indemnity: Decimal
    consumer: bool

    @property
    def total(self) -> Decimal:
        return self.principal + self.penalties + self.indemnity

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency, "principal": _s(self.principal), "netted": _s(self.netted),
            "penalties": _s(self.penalties), "rate_in_words": self.rate_in_words, "indemnity": _s(self.indemnity),
            "total": _s(self.total),
            "penalties_basis": ("intérêts au taux légal à compter de la mise en demeure (C. civ. 1231-6)"
                                if self.consumer else "pénalités de retard (C. com. L441-10), qui courent jusqu'au "
                                                      "complet paiement"),
            "indemnity_basis": ("" if self.consumer else
                                "indemnité forfaitaire pour frais de recouvrement de 40 EUR par facture "
                                "(C. com. L441-10, D441-5)"),
            "invoices": [{"number": c.number, "issued_on": c.issued_on.isoformat(), "due_on": c.due_on.isoformat(),
                          "amount": _s(c.amount), "paid": _s(c.paid), "credited": _s(c.credited),
                          "settled": _s(c.paid + c.credited), "open": _s(c.open),
                          "penalty": _s(c.penalty), "penalty_days": c.penalty_days, "penalty_basis": c.penalty_basis,
                          "formal_notice_on": c.notice_on.isoformat() if c.notice_on else None}
                         for c in self.lines]}


@dataclass(frozen=True)
class LegalFile:
    """A customer's legal file: its index (JSON-ready), its exhibits, its summary; the ZIP's bytes on demand."""

    case_id: str
    customer_ref: str
    as_of: date
    index: dict[str, Any]  # without the summary's own hashes (full_index adds them)
    pieces: tuple[Piece, ...]
    summary_html: str
    claims: tuple[Claim, ...] = ()
    court: Court | None = None
    court_refusal: str = ""
    small_claims: SmallClaims | None = None
    notice: NoticeGate | None = None
    creditor: dict[str, Any] = field(default_factory=dict)
    debtor: dict[str, Any] = field(default_factory=dict)
    tables: tuple[tuple[str, bytes], ...] = ()  # invoices.csv, claim.csv, history.csv (spreadsheet-safe)

    @property
    def file_name(self) -> str:
        return f"dossier-{safe_name(self.customer_ref)}-{self.as_of.isoformat()}.zip"

    @functools.cached_property
    def summary_pdf(self) -> bytes:
        """The summary as a PDF, made when the ZIP is (a request drawn from the file does not need it)."""
        return html_to_pdf(self.summary_html)

    def full_index(self) -> dict[str, Any]:
        """The index as written in the ZIP: with the summary's files and their SHA-256."""
        return {**self.index, "summary": [
            {"name": "sommaire.html", "sha256": hashlib.sha256(self.summary_html.encode("utf-8")).hexdigest()},
            {"name": "sommaire.pdf", "sha256": hashlib.sha256(self.summary_pdf).hexdigest()},
            *({"name": name, "sha256": hashlib.sha256(data).hexdigest()} for name, data in self.tables)]}

    def files(self) -> list[tuple[str, bytes]]:
        """Every file of the ZIP in its order: the index, the summary, then the exhibits."""
        return [("index.json", index_bytes(self.full_index())), ("sommaire.html", self.summary_html.encode("utf-8")),
                ("sommaire.pdf", self.summary_pdf), *self.tables, *((p.name, p.data) for p in self.pieces)]

    def zip_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.files():
                archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), data)
        return buffer.getvalue()


def _s(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):f}"


def index_bytes(index: dict[str, Any]) -> bytes:
    """The index as written: sorted keys, two-space indent, UTF-8, a final newline (stable bytes)."""
    return (json.dumps(index, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def find_customer(repo: Repository, ref: str) -> Customer:
    """The company's customer ``ref``; raises CustomerNotFound."""
    customer = repo.customers_by_ref([ref]).get(ref)
    if customer is None or customer.id is None:
        raise CustomerNotFound(f"no customer {ref!r} in company {repo.company.ref}")
    return customer


def registered_proofs(repo: Repository, invoice_ids: Sequence[int]) -> list[RegisteredProof]:
    """The registered letters that chased these invoices (worker/dunning/registered_queries.py, migration 0015),
    each once, oldest first: dispatch number, dates of deposit and receipt, paths of the proofs."""
    from worker.dunning.registered_queries import registered_proofs_of

    seen: dict[tuple[str, str], RegisteredProof] = {}
    for proofs in registered_proofs_of(repo, invoice_ids).values():
        for proof in proofs:
            seen.setdefault((proof.provider, proof.sending_id), proof)
    return sorted(seen.values(), key=lambda p: (p.deposited_on or date.max, p.sending_id))


def _read_own_file(path_text: str | None, output_dir: Path) -> bytes | None:
    """A file lettrage itself wrote (a letter's PDF), read only when it lies in the company's output folder
    and is a PDF of at most 20 MB; else None (never a path from elsewhere)."""
    if not path_text or not path_text.lower().endswith(".pdf"):
        return None
    try:
        path = Path(path_text).resolve()
        root = output_dir.resolve()
        if root not in path.parents or not path.is_file() or path.stat().st_size > _MAX_PROOF_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if data.startswith(b"%PDF-") else None


def _message_text(event: Event) -> str:
    data = event.data or {}
    lines = [(f"{LEVELS_FR.get(str(data.get('level')), str(data.get('level')))} — "
             f"{CHANNELS_FR.get(str(data.get('channel')), str(data.get('channel')))}"),
             f"Envoyé le : {event.at:%d/%m/%Y %H:%M} (UTC)"]
    if data.get("message_id"):
        lines.append(f"Message-ID : {data['message_id']}")
    if data.get("to"):
        lines.append(f"Destinataires : {', '.join(str(t) for t in data['to'])}")
    if data.get("title"):
        lines.append(f"Objet : {data['title']}")
    if data.get("invoices"):
        lines.append(f"Factures : {', '.join(str(n) for n in data['invoices'])}")
    if data.get("attachments"):
        lines.append(f"Pièces jointes : {', '.join(str(a) for a in data['attachments'])}")
    lines.append("")
    lines.append(str(data.get("body") or "(texte du message non conservé)"))
    return "\n".join(lines).rstrip() + "\n"


@dataclass
class _Pieces:
    items: list[Piece] = field(default_factory=list)

    def add(self, stem: str, ext: str, title: str, kind: str, data: bytes, day: date | None = None) -> Piece:
        number = len(self.items) + 1
        piece = Piece(number, f"pieces/{number:02d}-{safe_name(stem)}{ext}", title, kind, data, day)
        self.items.append(piece)
        return piece


def build_legal_file(repo: Repository, customer_ref: str, as_of: date, *, output_dir: Path,
                     mail_from: str | None = None, companies_dir: Path | None = None,
                     debtor_trader: bool | None = None) -> LegalFile:
    """The legal file of ``customer_ref`` on ``as_of`` (module docstring). ``output_dir``: the company's output
    folder, the only place a letter's PDF is read from; ``debtor_trader``: whether a business customer is a
    trader (None: presumed). Raises CustomerNotFound, NothingToClaim; a claim on a provisional rate raises the
    law's RateNotKnown (a legal file is never drawn up on a rate not confirmed)."""
    from worker.documents.invoice_documents import invoice_document, sources_of, statement_of_account
    from worker.documents.invoice_duplicates import make_duplicate
    from worker.dunning.dunning_queries import invoice_ids_of_customer
    from worker.dunning.reminder_context import OPEN_STATUSES, ContextBuilder
    from worker.dunning.sender_identity import sender_identity
    from worker.reminder_policy import company_policy

    customer = find_customer(repo, customer_ref)
    assert customer.id is not None
    cid = customer.id
    identity = sender_identity(repo.company, mail_from, companies_dir=companies_dir)
    policy = company_policy(repo.company)
    ids = invoice_ids_of_customer(repo, cid)
    builder = ContextBuilder(repo, as_of, mail_from, policy, ids, customer_id=cid)
    views = builder.views
    pauses = pauses_of(repo, cid)
    active = [p for p in pauses if p.lifted_at is None and (p.until is None or p.until >= as_of)]
    excluded: list[dict[str, str]] = []
    claimed: list[int] = []
    from worker.dunning.proceedings import holds as proceedings_holds
    from worker.dunning.proceedings_queries import active_proceedings

    proceeding = active_proceedings(repo, [cid]).get(cid)
    in_proceedings = proceedings_holds(repo, [(i, cid, v.invoice.issued_on) for i, v in views.items()])
    for invoice_id in sorted(views, key=lambda i: (views[i].invoice.due_on, views[i].invoice.number)):
        view = views[invoice_id]
        invoice = view.invoice
        if invoice.kind != "invoice" or view.status not in OPEN_STATUSES or view.open <= 0:
            continue
        if invoice.due_on >= as_of:
            excluded.append({"invoice": invoice.number, "reason": f"pas encore échue (échéance le "
                                                                  f"{format_date(invoice.due_on)})"})
            continue
        dispute = next((p for p in active if p.reason == "dispute" and p.invoice_id in (None, invoice_id)), None)
        if dispute is not None:
            excluded.append({"invoice": invoice.number, "reason": "contestée par le client : créance non certaine"
                                                                  + (f" ({dispute.note})" if dispute.note else "")})
            continue
        if invoice_id in in_proceedings:
            excluded.append({"invoice": invoice.number, "reason": "née avant le jugement d'ouverture d'une procédure "
                             "collective : à déclarer au mandataire, pas de poursuite individuelle (C. com. L622-21, "
                             f"L622-24) — {in_proceedings[invoice_id]}"})
            continue
        if invoice_id in builder.holds:
            excluded.append({"invoice": invoice.number,
                             "reason": f"en attente d'un paiement à rapprocher : {builder.holds[invoice_id].reason}"})
            continue
        claimed.append(invoice_id)
    notices = formal_notices(repo, claimed)
    claims: list[Claim] = []
    for currency in sorted({views[i].invoice.currency for i in claimed}):
        chosen = [i for i in claimed if views[i].invoice.currency == currency]
        context = builder.context(cid, chosen, currency, "legal_file")
        penalties = {p.number: p for p in context.penalties}
        lines = []
        for i in chosen:
            v = views[i]
            p = penalties.get(v.invoice.number)
            lines.append(ClaimLine(v.invoice.number, i, v.invoice.issued_on, v.invoice.due_on, v.invoice.amount,
                                   v.paid, v.credited, v.open, p.amount if p else ZERO, p.days if p else 0,
                                   p.basis if p else "", notices.get(i)))
        claims.append(Claim(currency, tuple(lines), context.total, context.netted, context.penalties_total,
                            context.penalty_rate, context.recovery_indemnity, not context.customer.is_business))

    if not claims:
        raise NothingToClaim(f"customer {customer.ref}: no overdue, undisputed invoice to claim on {as_of}"
                             + (f" ({'; '.join(e['invoice'] + ': ' + e['reason'] for e in excluded)})"
                                if excluded else ""))

    pieces = _Pieces()
    invoices_json: list[dict[str, Any]] = []
    orm = {i: cast(Invoice, views[i].invoice) for i in claimed}  # _views reads ORM rows (repo.invoices_by_id)
    sources = sources_of(repo) if any(invoice.pdf for invoice in orm.values()) else None
    for i in claimed:
        invoice = orm[i]
        entry: dict[str, Any] = {"invoice": invoice.number}
        original = invoice_document(repo, invoice, sources)
        if original is not None:
            piece = pieces.add(f"facture-{invoice.number}", ".pdf", f"Facture n° {invoice.number} du "
                               f"{format_date(invoice.issued_on)} (original)", "invoice", original.data,
                               invoice.issued_on)
            entry.update(piece=piece.number, source=original.source)
        else:
            try:
                duplicate = make_duplicate(repo, invoice.number, as_of, sources, identity)
            except LettrageError as exc:
                entry.update(piece=None, missing=str(exc))
            else:
                piece = pieces.add(f"facture-{invoice.number}-duplicata", ".pdf",
                                   f"Facture n° {invoice.number} du {format_date(invoice.issued_on)} (duplicata "
                                   f"établi le {format_date(as_of)})", "duplicata", duplicate.data, invoice.issued_on)
                entry.update(piece=piece.number, source=duplicate.source)
        invoices_json.append(entry)

    proofs = registered_proofs(repo, claimed)
    # the reminders actually sent, as the audit log recorded them when they left
    numbers = {views[i].invoice.number for i in ids}
    sent = [e for e in reminders_sent(repo, customer.ref)
            if (e.data or {}).get("channel") != "export" and (e.data or {}).get("level") != "legal_file"]
    reminders_json: list[dict[str, Any]] = []
    notice_channel: dict[str, str] = {}
    for event in sent:
        data = event.data or {}
        level, channel = str(data.get("level", "")), str(data.get("channel", ""))
        row: dict[str, Any] = {
            "date": event.at.date().isoformat(), "sent_at": event.at.isoformat(), "level": level,
            "level_label": LEVELS_FR.get(level, level), "channel": channel,
            "channel_label": CHANNELS_FR.get(channel, channel), "message_id": data.get("message_id"),
            "subject": data.get("title"), "invoices": list(data.get("invoices") or []),
            "outcome": data.get("outcome", "sent"), "piece": None}
        if channel != "phone" and set(row["invoices"]) & numbers:
            title = f"{LEVELS_FR.get(level, level)} du {format_date(event.at.date())} par {CHANNELS_FR.get(channel, channel)}"
            letter = None
            if channel == "letter":
                letter = _read_own_file(data.get("delivery"), output_dir)
            elif channel == "registered":  # the copy of the letter posted, as the provider received it
                posted = next((p for p in proofs if p.sending_id == data.get("delivery") and p.letter), None)
                letter = _read_own_file(posted.letter if posted else None, output_dir)
            kind = "formal_notice" if level == "formal_notice" else "reminder"
            stem = f"{'mise-en-demeure' if kind == 'formal_notice' else 'relance'}-{event.at.date().isoformat()}-{level}"
            if letter is not None:
                piece = pieces.add(stem, ".pdf", f"{title} (lettre telle qu'envoyée)", kind, letter, event.at.date())
            else:
                piece = pieces.add(stem, ".txt", f"{title} (message tel qu'envoyé)", kind,
                                   _message_text(event).encode("utf-8"), event.at.date())
            row["piece"] = piece.number
        if level == "formal_notice":
            for number in row["invoices"]:
                notice_channel.setdefault(str(number), channel)
        reminders_json.append(row)

    registered_json: list[dict[str, Any]] = []
    acknowledged: date | None = None
    for proof in proofs:
        entry = {k: v for k, v in proof.as_json().items() if k not in ("deposit_proof", "acknowledgment", "letter")}
        entry["level_label"] = LEVELS_FR.get(proof.level, proof.level)
        number = proof.dispatch_number or proof.sending_id
        deposit = _read_own_file(proof.deposit_proof, output_dir)
        if deposit is not None:
            entry["deposit_piece"] = pieces.add(f"recommande-{number}-preuve-de-depot", ".pdf",
                                                f"Preuve de dépôt de la lettre recommandée n° {number}"
                                                + (f" du {format_date(proof.deposited_on)}" if proof.deposited_on
                                                   else ""), "registered_proof", deposit, proof.deposited_on).number
        receipt = _read_own_file(proof.acknowledgment, output_dir)
        if receipt is not None:
            entry["acknowledgment_piece"] = pieces.add(
                f"recommande-{number}-avis-de-reception", ".pdf",
                f"Avis de réception de la lettre recommandée n° {number}"
                + (f", reçue le {format_date(proof.received_on)}" if proof.received_on else ""),
                "registered_proof", receipt, proof.received_on).number
        if proof.level == "formal_notice" and proof.received_on is not None and proof.received_on <= as_of:
            acknowledged = max(acknowledged or proof.received_on, proof.received_on)
        registered_json.append(entry)

    received = tuple(p for c in sorted({views[i].invoice.currency for i in ids}) for p in builder.received(cid, c))
    statement_name, statement_pdf = statement_of_account(repo, cid, as_of, "fr", received=received)
    statement = pieces.add("releve-de-compte", ".pdf", f"Relevé de compte au {format_date(as_of)}", "statement",
                           statement_pdf, as_of)
    payments = allocated_payments(repo, ids)
    exchanges = _exchanges(repo, customer, [views[i].invoice.number for i in ids], pauses, views)

    # the legal paths
    place = debtor_place(customer.address_lines)
    creditor_trader = is_trader(identity.legal_form, identity.rcs_city)
    court: Court | None = None
    court_refusal = ""
    try:
        court = competent_court(creditor_trader=creditor_trader, debtor_kind=customer.kind,
                                debtor_trader=debtor_trader, place=place)
    except LegalPathRefused as exc:
        court_refusal = str(exc)
    if proceeding is not None:  # individual actions stop at the opening judgment (C. com. L622-21)
        court, court_refusal = None, (
            f"le débiteur est en procédure collective ({proceeding.kind}, jugement du "
            f"{format_date(proceeding.opened_on)}) : les poursuites individuelles sont arrêtées (C. com. L622-21) ; "
            "déclarez la créance au mandataire judiciaire (L622-24)")
    main = next((c for c in claims if c.currency == "EUR"), claims[0] if claims else None)
    small = (small_claims(principal=main.principal, interest=main.penalties, debtor_kind=customer.kind,
                          disputed=False) if main is not None and main.currency == "EUR" else None)
    if small is not None and proceeding is not None:
        small = SmallClaims(False, small.amount, small.limit, (*small.reasons, ("débiteur en procédure collective : "
                                                               "poursuites individuelles arrêtées (C. com. L622-21)")))
    notice_dates = [notices.get(i) for i in claimed]
    last_notice = max((d for d in notice_dates if d is not None), default=None)
    by_post = any(notice_channel.get(views[i].invoice.number) in ("letter", "registered") for i in claimed)
    gate = (formal_notice_gate(last_notice, policy.notice_days, as_of, acknowledged, by_post)
            if all(d is not None for d in notice_dates) else
            formal_notice_gate(None, policy.notice_days, as_of))
    if last_notice is not None and not all(d is not None for d in notice_dates):
        missing = [views[i].invoice.number for i in claimed if notices.get(i) is None]
        gate = NoticeGate(False, last_notice, acknowledged, None,
                          f"aucune mise en demeure pour {', '.join(missing)} (C. civ. 1344)")

    creditor = {"name": identity.name, "legal_form": identity.legal_form, "capital": identity.capital,
                "siren": identity.siren, "rcs_city": identity.rcs_city, "address": list(identity.address),
                "vat_number": identity.vat_number, "email": identity.reply_to or identity.email,
                "phone": identity.phone, "representative": identity.signatory_name,
                "representative_title": identity.signatory_title, "trader": creditor_trader, "iban": identity.iban}
    debtor = {"ref": customer.ref, "name": customer.name, "customer_kind": customer.kind,
              "kind_label": {"consumer": "consommateur", "business": "professionnel"}.get(customer.kind,
                                                                                          "personne publique"),
              "address": list(customer.address_lines), "place": place, "emails": list(customer.emails),
              "trader": (customer.kind == "business") if debtor_trader is None else
              (debtor_trader and customer.kind == "business")}
    case_id = f"dossier-{safe_name(customer.ref)}-{as_of.isoformat()}"
    index: dict[str, Any] = {
        "case": {"id": case_id, "customer_ref": customer.ref, "as_of": as_of.isoformat(),
                 "company_ref": repo.company.ref,
                 "purpose": "dossier interne de recouvrement pour l'avocat ou le commissaire de justice du "
                            "créancier ; n'est pas adressé au débiteur"},
        "creditor": creditor, "debtor": debtor,
        "claims": [c.as_json() for c in claims], "excluded": excluded, "invoices": invoices_json,
        "reminders": reminders_json,
        "formal_notice": {"sent_on": gate.sent_on.isoformat() if gate.sent_on else None,
                          "received_on": gate.received_on.isoformat() if gate.received_on else None,
                          "deadline": gate.deadline.isoformat() if gate.deadline else None,
                          "notice_days": policy.notice_days, "by_post": by_post,
                          "postal_days": POSTAL_DAYS if by_post and gate.received_on is None else 0,
                          "passed": gate.passed, "reason": gate.reason},
        "registered_letters": {"proofs": registered_json},
        "statement_of_account": {"piece": statement.number, "file": statement_name},
        "payments": [_payment_json(p) for p in payments],
        "unallocated": [{"booked_on": p.booked_on.isoformat(), "amount": _s(p.amount), "currency": p.currency,
                         "bank_ref": p.bank_ref, "label": p.label, "state": p.state} for p in received],
        "exchanges": exchanges,
        "legal_paths": {
            "court": court.as_json() if court is not None else None, "court_refused": court_refusal,
            "small_claims": small.as_json() if small is not None else None,
            "formal_notice_passed": gate.passed},
        "pieces": [p.as_json() for p in pieces.items],
    }
    return LegalFile(case_id, customer.ref, as_of, index, tuple(pieces.items), render_summary(index), tuple(claims), court,
                     court_refusal, small, gate, creditor, debtor, _tables(claims, reminders_json))


def _tables(claims: Sequence[Claim], reminders: Sequence[dict[str, Any]]) -> tuple[tuple[str, bytes], ...]:
    """The claim as spreadsheets for the lawyer's own computations: spreadsheet-safe CSV (reminders.csv_safe: a
    customer's text never starts a formula, amounts stay numbers)."""
    from reminders.csv_safe import csv_bytes, number

    invoices: list[list[Any]] = [["number", "issued_on", "due_on", "amount", "settled", "open", "penalty",
                                  "penalty_days", "formal_notice_on", "currency"]]
    claim: list[list[Any]] = [["item", "amount", "currency"]]
    for c in claims:
        invoices += [[line.number, line.issued_on.isoformat(), line.due_on.isoformat(), number(_s(line.amount)),
                      number(_s(line.paid + line.credited)), number(_s(line.open)), number(_s(line.penalty)),
                      line.penalty_days, line.notice_on.isoformat() if line.notice_on else "", c.currency]
                     for line in c.lines]
        claim += [[label, number(_s(amount)), c.currency] for label, amount in (
            ("principal", c.principal), ("penalties", c.penalties), ("indemnity", c.indemnity), ("total", c.total))]
    history: list[list[Any]] = [["date", "level", "channel", "message_id", "subject", "invoices", "piece"]]
    history += [[r["date"], r["level_label"], r["channel_label"], r["message_id"] or "", r["subject"] or "",
                 " ".join(str(n) for n in r["invoices"]), r["piece"] or ""] for r in reminders]
    return (("invoices.csv", csv_bytes(invoices)), ("claim.csv", csv_bytes(claim)), ("history.csv", csv_bytes(history)))


def _payment_json(p: AllocatedPayment) -> dict[str, Any]:
    return {"booked_on": p.booked_on.isoformat(), "invoice": p.invoice_number, "bank_ref": p.bank_ref,
            "payer": p.payer, "line_amount": _s(p.line_amount), "allocated": _s(p.amount),
            "write_off": _s(p.write_off), "decision": "confirmée par une personne" if p.status == "confirmed"
            else "rapprochement automatique", "decided_by": p.decided_by}


def _exchanges(repo: Repository, customer: Customer, numbers: list[str], pauses: Sequence[Any],
               views: dict[int, Any]) -> list[dict[str, Any]]:
    """What the customer answered, said or promised, oldest first: pauses (disputes, promises, plans), notes,
    e-invoicing statuses received, bounced emails; everything recorded when the file is drawn up (the audit
    log's times are the moments things happened, not the claim's day)."""
    by_id = {i: v.invoice.number for i, v in views.items()}
    out: list[dict[str, Any]] = []
    for p in pauses:
        out.append({"at": p.created_at.isoformat(), "type": p.reason, "label": PAUSES_FR.get(p.reason, p.reason),
                    "invoice": by_id.get(p.invoice_id) if p.invoice_id else None, "note": p.note,
                    "until": p.until.isoformat() if p.until else None, "by": p.created_by,
                    "lifted_at": p.lifted_at.isoformat() if p.lifted_at else None})
    subjects = [f"customer:{customer.ref}", *(f"invoice:{n}" for n in numbers)]
    for event in exchange_events(repo, subjects):
        data = event.data or {}
        if event.kind == "customer.note":
            label, note = "Note", str(data.get("note", ""))
        elif event.kind == "reminder.bounced":
            label, note = "Courriel non distribué", str(data.get("reason", ""))
        else:
            label = f"Statut de facture électronique reçu : {data.get('code', '')} {data.get('label', '')}".strip()
            note = str(data.get("reason") or "")
        out.append({"at": event.at.isoformat(), "type": event.kind, "label": label,
                    "invoice": data.get("invoice"), "note": note, "until": None, "by": event.actor,
                    "lifted_at": None})
    return sorted(out, key=lambda e: (e["at"], e["type"]))


def _templates() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("worker.dunning", "legal_templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(money=lambda v, c="EUR": format_amount(Decimal(str(v)), c),
                       day=lambda v: format_date(date.fromisoformat(str(v)[:10])) if v else "")
    return env


def render_summary(index: dict[str, Any]) -> str:
    """The readable summary of a legal file (HTML), from its index."""
    return str(_templates().get_template("summary.html.j2").render(i=index))


def render_template(name: str, **values: Any) -> str:
    """One of the legal templates (worker/dunning/legal_templates/) rendered with ``values``."""
    return str(_templates().get_template(name).render(**values))


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html`` (WeasyPrint, as the letters; the same HTML gives the same bytes)."""
    import weasyprint

    return bytes(weasyprint.HTML(string=html).render().write_pdf())


def legal_folder(output_dir: Path, company_ref: str, customer_ref: str) -> Path:
    """Where the server writes a customer's legal files: ``<output>/<company>/legal/<customer>/``."""
    return output_dir / safe_name(company_ref) / "legal" / safe_name(customer_ref)


def write_legal_file(repo: Repository, legal: LegalFile, folder: Path, actor: str) -> Path:
    """Writes the ZIP into ``folder`` (atomically) and records who drew it up in the audit log."""
    data = legal.zip_bytes()
    path = folder / legal.file_name
    write_atomically(path, data)
    main = legal.claims[0] if legal.claims else None
    repo.audit("legal.file_generated", subject=f"customer:{legal.customer_ref}", actor=actor,
               case=legal.case_id, as_of=legal.as_of.isoformat(), file=legal.file_name,
               sha256=hashlib.sha256(data).hexdigest(),
               index_sha256=hashlib.sha256(index_bytes(legal.full_index())).hexdigest(), pieces=len(legal.pieces),
               invoices=[line.number for c in legal.claims for line in c.lines],
               total=_s(main.total) if main else None, currency=main.currency if main else None)
    return path
