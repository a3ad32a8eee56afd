"""Phone reminders: a call task (JSON, and an iCalendar VTODO beside it) with a call script.

Written atomically to ``out_dir/<customer_ref>/call-<level>-<date>-<invoices>.json`` and ``.ics``;
:func:`load_tasks`, :func:`tasks_csv` and :func:`tasks_ics` give the task list as rows, CSV and one
iCalendar file (``lettrage reminders calls``).
"""
from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from reminders.channels.base import Delivery, Message, document_path, write_atomically
from reminders.context import format_amount, format_date
from reminders.csv_safe import number, writer
from reminders.errors import ChannelError

SCRIPT_OPENING = (
    "Bonjour, {company}, service comptabilité. Je vous appelle au sujet de {count} "
    "pour un montant restant dû de {total}."
)
SCRIPT_QUESTIONS = (
    "Avez-vous bien reçu {these} ?",
    "Y a-t-il un problème (montant, prestation, adresse de facturation) qui en bloque le règlement ?",
    "À quelle date pouvez-vous effectuer le paiement ?",
    "Confirmez-vous l'adresse email et le contact à qui adresser nos relances ?",
)
SCRIPT_CLOSING = "Je vous remercie ; je note la date convenue et vous envoie un récapitulatif par email."


class PhoneTaskChannel:
    """Writes one JSON call task per message under ``out_dir`` and returns its path."""

    name = "phone"

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)

    def send(self, message: Message) -> Delivery:
        """Write the call task; raises ChannelError without a phone number or when the disk fails."""
        who = message.customer_ref or "customer"
        if not message.to:
            raise ChannelError(f"phone call to {who}: no phone number")
        path = document_path(self.out_dir, message, ".json", prefix="call-")
        task = build_task(message)
        data = (json.dumps(task, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        try:
            write_atomically(path, data)
            write_atomically(path.with_suffix(".ics"), tasks_ics([task]))
        except OSError as exc:
            raise ChannelError(f"phone call to {who}: cannot write {path}: {exc}") from exc
        return Delivery(channel=self.name, path=path, detail=f"call task written to {path}")


def load_tasks(out_dir: Path) -> list[dict[str, object]]:
    """Every call task written under ``out_dir``, by date then customer."""
    tasks = [json.loads(p.read_text(encoding="utf-8")) for p in Path(out_dir).glob("*/call-*.json")]
    return sorted(tasks, key=lambda t: (str(t["date"]), str(t["customer_ref"]), str(t["level"])))


def tasks_csv(tasks: list[dict[str, object]]) -> bytes:
    """The tasks as CSV: date, customer, name, phone, level, amount due, currency, invoices, opening line.

    Spreadsheet-safe (reminders.csv_safe): a name, ref or number starting a formula comes out as text."""
    buffer = io.StringIO()
    out = writer(buffer, lineterminator="\n")
    out.writerow(["date", "customer_ref", "customer_name", "phone", "level", "amount_due", "currency",
                  "invoices", "script"])
    for t in tasks:
        script = t["script"]
        assert isinstance(script, dict)
        out.writerow([t["date"], t["customer_ref"], t["customer_name"], " ".join(t["phone_numbers"]),  # type: ignore[arg-type]
                      t["level"], number(str(t["amount_due"])), t["currency"], " ".join(t["invoice_numbers"]),  # type: ignore[arg-type]
                      script["opening"]])
    return buffer.getvalue().encode("utf-8")


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 5545 folding: lines of at most 75 octets, continued with a leading space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    return [*out, current]


def tasks_ics(tasks: list[dict[str, object]]) -> bytes:
    """The tasks as one iCalendar file of VTODOs (due on the task's day), for any calendar or task app."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//lettrage//reminders//FR", "CALSCALE:GREGORIAN"]
    for t in tasks:
        day = date.fromisoformat(str(t["date"]))
        script = t["script"]
        assert isinstance(script, dict)
        description = "\n".join([str(script["opening"]), *map(str, script["questions"]),
                                  *map(str, script["details"])])
        uid = f"call-{t['customer_ref']}-{t['level']}-{day.isoformat()}-{'_'.join(t['invoice_numbers'])}@lettrage"  # type: ignore[arg-type]
        lines += ["BEGIN:VTODO", f"UID:{_ics_text(uid)}", f"DTSTAMP:{day:%Y%m%d}T000000Z",
                  f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DUE;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_ics_text(str(t['subject']))}", f"DESCRIPTION:{_ics_text(description)}",
                  "STATUS:NEEDS-ACTION", "END:VTODO"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n").encode("utf-8")


def build_task(message: Message) -> dict[str, object]:
    """The JSON object of a call task: who to call, about what, and what to say."""
    total = message.total
    if total is None:
        total = sum((inv.open_amount for inv in message.invoices), Decimal("0.00"))
    n = len(message.invoice_numbers)
    count = f"la facture {message.invoice_numbers[0]}" if n == 1 else f"{n} factures"
    company = message.sender_lines[0] if message.sender_lines else "votre fournisseur"
    these = "cette facture" if n == 1 else "ces factures"
    return {
        "kind": "call",
        "customer_ref": message.customer_ref,
        "customer_name": message.customer_name,
        "phone_numbers": list(message.to),
        "level": message.level,
        "date": (message.as_of or date.today()).isoformat(),
        "subject": message.subject,
        "invoice_numbers": list(message.invoice_numbers),
        "invoices": [
            {
                "number": inv.number,
                "due_on": inv.due_on.isoformat(),
                "open_amount": f"{inv.open_amount:.2f}",
            }
            for inv in message.invoices
        ],
        "amount_due": f"{total:.2f}",
        "currency": message.currency,
        "script": {
            "opening": SCRIPT_OPENING.format(
                company=company, count=count, total=format_amount(total, message.currency)
            ),
            "questions": [q.format(these=these) for q in SCRIPT_QUESTIONS],
            "details": [
                f"{inv.number} : échéance le {format_date(inv.due_on)}, reste dû "
                f"{format_amount(inv.open_amount, message.currency)}"
                for inv in message.invoices
            ],
            "closing": SCRIPT_CLOSING,
            "reference_text": message.text,
        },
        "outcome": None,
    }
