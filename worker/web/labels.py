"""Codes and numbers as a person reads them: levels, channels, statuses, numbers, months and moments (issue 18 item 5).

The pure wing and the services speak English codes (``first_reminder``, ``sending``) and write numbers the
programmer's way ("1048278.40", "64.6"); the pages show a French user « Première relance », « en cours d'envoi »,
« 1 048 278,40 », and an English one "First reminder". Times are shown in the company's time zone, never in UTC.
The reasons (sentences the matcher, the planner and the worklist write) are translated in worker/web/labels_reasons.py.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

# code: (English, French)
LEVELS = {
    "courteous": ("Courteous reminder before the due date", "Rappel courtois avant échéance"),
    "first_reminder": ("First reminder", "Première relance"),
    "second_reminder": ("Second reminder", "Deuxième relance"),
    "call": ("Call", "Appel"),
    "formal_notice": ("Formal notice", "Mise en demeure"),
    "payment_plan": ("Payment plan offer", "Proposition d'échéancier"),
    "legal_file": ("File for legal recovery", "Dossier de recouvrement"),
}
CHANNELS = {
    "email": ("email", "e-mail"), "letter": ("letter", "courrier"), "phone": ("phone", "téléphone"),
    "sms": ("SMS", "SMS"), "export": ("export", "export"),
}
STATUSES = {  # reminders' (sending | sent | failed), allocations' (auto | confirmed), the plan's approvals
    "sending": ("being sent", "en cours d'envoi"), "sent": ("sent", "envoyée"), "failed": ("failed", "échec"),
    "auto": ("automatic", "automatique"), "confirmed": ("confirmed", "confirmée"),
    "required": ("awaiting approval", "en attente d'approbation"), "approved": ("approved", "approuvée"),
    "not_required": ("no approval needed", "sans approbation"),
}
PAUSES = {
    "dispute": ("dispute", "litige"), "promise": ("promise to pay", "promesse de paiement"),
    "payment_plan": ("payment plan", "échéancier"), "other": ("other", "autre"),
    "payment_announced": ("payment announced", "paiement annoncé"),
    "plan_requested": ("payment plan asked", "échéancier demandé"),
    "einvoice_disputed": ("e-invoice disputed", "facture électronique en litige"),
    "einvoice_suspended": ("e-invoice suspended", "facture électronique suspendue"),
    "einvoice_refused": ("e-invoice refused", "facture électronique refusée"),
    "einvoice_rejected": ("e-invoice rejected", "facture électronique rejetée"),
    "einvoice_payment_sent": ("payment announced on the platform", "paiement annoncé sur la plateforme"),
    "einvoice_terms": ("e-invoice terms to check", "conditions de paiement à vérifier"),
    "einvoice_cancelled": ("e-invoice cancelled", "facture électronique annulée"),
    "einvoice_factored": ("e-invoice factored", "facture électronique affacturée"),
}
PROFILES = {
    "new": ("new", "nouveau"), "standard": ("standard", "standard"), "loyal": ("loyal", "fidèle"),
    "key": ("key account", "grand compte"), "consumer": ("consumer", "particulier"),
    "public": ("public body", "organisme public"),
}
WRITE_OFFS = {
    "payment_difference": ("payment difference", "écart de règlement"), "bank_fee": ("bank fee", "frais bancaires"),
    "discount": ("discount granted", "escompte accordé"), "other": ("other write-off", "autre perte"),
}
KINDS = {"level": LEVELS, "channel": CHANNELS, "status": STATUSES, "pause": PAUSES, "profile": PROFILES,
         "write_off": WRITE_OFFS}


def label(kind: str, code: str | None, language: str) -> str:
    """The words for ``code`` of ``kind`` (level, channel, status, pause, profile, write_off); an unknown code as
    a phrase (``legal_file`` -> "legal file") rather than as a code."""
    if not code:
        return ""
    words = KINDS[kind].get(code)
    if words is None:
        return code.replace("_", " ")
    return words[1] if language == "fr" else words[0]


def labels(kind: str, codes: str, language: str) -> str:
    """``email, letter`` or ``loyal+consumer``: each code of a list in words."""
    if "+" in codes:
        return " ".join(label(kind, c.strip(), language) for c in codes.split("+"))
    return ", ".join(label(kind, c.strip(), language) for c in codes.split(","))


def format_number(value: object, language: str, decimals: int | None = None) -> str:
    """64,6 or 2 038 024,99 in French (a narrow no-break space between thousands), 64.6 or 2,038,024.99 in
    English; ``decimals`` rounds (None keeps the value's own)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if decimals is not None:
        number = round(number, decimals)
    sign = "-" if number < 0 else ""
    text = f"{abs(number):f}"
    whole, _, fraction = text.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    if language == "fr":
        return sign + "\u202f".join(groups) + ("," + fraction if fraction else "")
    return sign + ",".join(groups) + ("." + fraction if fraction else "")


def format_day(value: date | str | None, language: str) -> str:
    """06/12/2026 in French, 2026-12-06 in English; an ISO text is read first."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if isinstance(day, datetime):
        day = day.date()
    return day.strftime("%d/%m/%Y") if language == "fr" else day.isoformat()


def format_month(value: str | None, language: str) -> str:
    """``2026-06`` as 06/2026 in French."""
    if not value:
        return ""
    return f"{value[5:7]}/{value[:4]}" if language == "fr" and len(value) >= 7 else value


def format_moment(value: datetime | str | None, language: str, timezone: str = "Europe/Paris") -> str:
    """A moment in the company's time zone: 06/12/2026 10:15 in French, 2026-12-06 10:15 in English.
    A naive moment is taken as UTC (the database keeps UTC)."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(timezone))
    return local.strftime("%d/%m/%Y %H:%M" if language == "fr" else "%Y-%m-%d %H:%M")


def local_day(value: datetime | None, timezone: str = "Europe/Paris") -> date | None:
    """The day a moment falls on in the company's time zone (a naive moment is UTC)."""
    if value is None:
        return None
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).date()


ACTORS = {"lettrage": ("lettrage (automatic)", "lettrage (automatique)"), "cli": ("command line", "ligne de commande"),
          "demo": ("demo", "démo"), "platform": ("e-invoicing platform", "plateforme de facturation électronique"),
          "worker": ("lettrage (automatic)", "lettrage (automatique)")}


def format_actor(actor: str | None, language: str) -> str:
    """Who decided, as a person reads it: ``user:ada@x.fr`` is ada@x.fr, ``token:erp`` the API (erp), ``cli:paul``
    the command line (paul), ``lettrage`` lettrage itself."""
    if not actor:
        return ""
    kind, _, name = actor.partition(":")
    if kind == "user" and name:
        return name
    if kind == "token" and name:
        return f"API ({name})"
    words = ACTORS.get(kind)
    if words is None:
        return actor
    text = words[1] if language == "fr" else words[0]
    return f"{text} ({name})" if name else text
