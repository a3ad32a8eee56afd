"""Public-sector customers (B2G): late payment under the Code de la commande publique.

A public buyer (State, local authority, public establishment, public undertaking acting as a contracting
authority) pays within the period the contract sets, at most the regulatory one (L2192-10), and by default:
30 days (R2192-10), 50 days for public health establishments and the armed forces' health service (R2192-11 1°),
60 days for public undertakings that are not local public establishments (R2192-11 2°); the period runs from the
receipt of the payment request. Late payment (L2192-12) makes *intérêts moratoires* run from the day after the
period's end, of right and without any formal request (L2192-13), at the ECB main refinancing rate in force on
the first day of the half-year in which they began to run plus 8 points (R2192-31): one rate for the whole delay,
unlike the B2B rate that changes on 1 January and 1 July. A fixed indemnity for recovery costs of EUR 40 is owed
too, of right (L2192-13, D2192-35). Both are to be paid within 45 days of the principal's payment (R2192-36).
The contract cannot set another rate: a company's penalty mode (fixed, three times the legal rate) does not apply.
The computations count from the invoice's due date, which stands for the end of the period (the receipt of the
payment request is not known here: the due date should be set from it).

Nor is a public body a consumer: no legal-interest-from-the-notice rule, no courteous consumer wording. Its
property cannot be seized: recovery goes through the administrative judge (référé-provision, Code de justice
administrative R541-1), not an injonction de payer.

A claim on a public body is time-barred after four years from 1 January of the year after the one its rights were
acquired in (the *prescription quadriennale*, loi n° 68-1250 du 31 décembre 1968, art. 1), not the Code de
commerce's five years; any written payment request to it, a claim in court, its own written communication on the
debt or a payment even partial interrupts it, a new four years running from 1 January of the following year (art. 2):
``public_limitation_date``, ``public_limitation_warning``.

``public_body_name(name)`` tells, conservatively, whether a customer's name clearly is a public body's ("Mairie de
Lyon", "Commune de …", "Centre hospitalier …", "Conseil départemental …"): a SIREN or SIRET alone does not tell
(public bodies and companies share the register), a name with a legal form (SARL, SAS, …) or a civility never is
one, and a name that merely contains such words ("Garage de la Mairie") is not one. ``public_category(name)``:
``health`` for a hospital's name (50 days), else ``general`` (30 days); a public undertaking (60 days) is never
inferred: a person sets it.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from reminders.law.limitation import period_warning

PUBLIC_MARGIN_POINTS = Decimal(8)  # R2192-31
PUBLIC_INDEMNITY = Decimal("40.00")  # D2192-35
PUBLIC_INTEREST_BASIS = "Code de la commande publique L2192-13 et R2192-31 (intérêts moratoires)"
PUBLIC_INDEMNITY_BASIS = "Code de la commande publique L2192-13 et D2192-35"
PUBLIC_INTEREST_DAYS_TO_PAY = 45  # R2192-36: interest and indemnity paid within 45 days of the principal

# payment periods by category of public buyer (R2192-10, R2192-11)
PAYMENT_DAYS = {"general": 30, "health": 50, "public_company": 60}
PAYMENT_DAYS_BASIS = {"general": "Code de la commande publique R2192-10",
                      "health": "Code de la commande publique R2192-11 1°",
                      "public_company": "Code de la commande publique R2192-11 2°"}


def payment_days(category: str = "general") -> int:
    """The regulatory payment period of a public buyer of ``category`` (general, health, public_company)."""
    try:
        return PAYMENT_DAYS[category]
    except KeyError:
        raise ValueError(f"unknown public buyer category {category!r} (known: {', '.join(PAYMENT_DAYS)})") from None


def latest_public_due_date(received_on: date, category: str = "general") -> date:
    """The last day of the payment period: the request's receipt plus the category's days (L2192-10)."""
    return received_on + timedelta(days=payment_days(category))


def public_terms_issue(received_on: date, due_on: date, category: str = "general") -> str | None:
    """A sentence when a public buyer's due date is after the regulatory period from ``received_on`` (the
    receipt of the payment request, or the invoice date when the receipt is unknown); else None."""
    latest = latest_public_due_date(received_on, category)
    if due_on <= latest:
        return None
    return (f"due date {due_on.isoformat()} is after the public buyer's payment period of {payment_days(category)} "
            f"days from {received_on.isoformat()} (latest {latest.isoformat()}, {PAYMENT_DAYS_BASIS[category]}; "
            "a contract may not set a longer one, L2192-10)")


PUBLIC_LIMITATION_YEARS = 4
PUBLIC_LIMITATION_BASIS = "loi n° 68-1250 du 31 décembre 1968, art. 1 et 2 (prescription quadriennale)"


def public_limitation_date(acquired_on: date, interrupted_on: Iterable[date] = ()) -> date:
    """The last day a claim on a public body can be made: 31 December of the fourth year after the year its rights
    were acquired (the delivery or the service, as reminders.law.limitation_start), pushed back by each interruption
    made before it ran out (a payment, a written payment request…: four years from 1 January after its year)."""
    last_day = date(acquired_on.year + PUBLIC_LIMITATION_YEARS, 12, 31)
    for day in sorted(interrupted_on):
        if acquired_on <= day <= last_day:
            last_day = max(last_day, date(day.year + PUBLIC_LIMITATION_YEARS, 12, 31))
    return last_day


def public_limitation_warning(acquired_on: date, as_of: date, warn_days: int = 90, *, since: str = "issue",
                              interrupted_on: Iterable[date] = ()) -> str | None:
    """A sentence when a claim on a public body is time-barred, or will be within ``warn_days`` of ``as_of``."""
    last_day = public_limitation_date(acquired_on, interrupted_on)
    origin = f"the {since} date {acquired_on.isoformat()}"
    return period_warning(last_day, as_of, warn_days,
                          f"four years from 1 January after {origin}, {PUBLIC_LIMITATION_BASIS}",
                          "a written payment request to the public body interrupts it")


def _words(name: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return re.sub(r"[^A-Z0-9]+", " ", text).split()


# the name must START with one of these (words, accents and case ignored)
_PUBLIC_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("MAIRIE",), ("COMMUNE", "DE"), ("COMMUNE", "D"), ("COMMUNE", "DU"), ("COMMUNE", "DES"), ("VILLE", "DE"),
    ("VILLE", "D"), ("VILLE", "DU"), ("CONSEIL", "DEPARTEMENTAL"), ("CONSEIL", "REGIONAL"), ("CONSEIL", "GENERAL"),
    ("DEPARTEMENT", "DE"), ("DEPARTEMENT", "DU"), ("DEPARTEMENT", "DES"), ("DEPARTEMENT", "D"),
    *(("REGION", word) for word in ("AUVERGNE", "BOURGOGNE", "BRETAGNE", "CENTRE", "GRAND", "HAUTS", "ILE",
                                    "NORMANDIE", "NOUVELLE", "OCCITANIE", "PAYS", "PROVENCE", "SUD", "GUADELOUPE",
                                    "MARTINIQUE", "GUYANE", "REUNION")),
    ("COMMUNAUTE", "DE", "COMMUNES"), ("COMMUNAUTE", "D", "AGGLOMERATION"), ("COMMUNAUTE", "URBAINE"),
    ("METROPOLE", "DE"), ("METROPOLE", "DU"), ("METROPOLE", "D"), ("EUROMETROPOLE",), ("CENTRE", "COMMUNAL",
    "D", "ACTION", "SOCIALE"), ("CCAS",), ("CIAS",), ("SYNDICAT", "INTERCOMMUNAL"), ("SIVOM",), ("SIVU",),
    ("SYNDICAT", "MIXTE"), ("PREFECTURE",), ("MINISTERE",), ("DIRECTION", "DEPARTEMENTALE"),
    ("DIRECTION", "REGIONALE"), ("ETABLISSEMENT", "PUBLIC"), ("CENTRE", "HOSPITALIER"), ("CHU",), ("CHR",),
    ("CENTRE", "HOSPITALIER", "UNIVERSITAIRE"), ("CENTRE", "HOSPITALIER", "REGIONAL"),
    ("ASSISTANCE", "PUBLIQUE", "HOPITAUX"), ("HOSPICES", "CIVILS"), ("GROUPEMENT", "HOSPITALIER", "DE", "TERRITOIRE"),
    ("OFFICE", "PUBLIC"), ("SDIS",), ("SERVICE", "DEPARTEMENTAL", "D", "INCENDIE"),
)
_HEALTH_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("CENTRE", "HOSPITALIER"), ("CHU",), ("CHR",), ("ASSISTANCE", "PUBLIQUE", "HOPITAUX"), ("HOSPICES", "CIVILS"),
    ("GROUPEMENT", "HOSPITALIER", "DE", "TERRITOIRE"),
)
# a name with one of these is a company's or a person's, whatever else it says
_NOT_PUBLIC = frozenset({
    "SARL", "SAS", "SASU", "EURL", "SA", "SNC", "SCI", "SCM", "SCP", "SCOP", "SELARL", "SELAS", "EI", "EIRL", "STE",
    "SOCIETE", "ETS", "ETABLISSEMENTS", "CIE", "GMBH", "LTD", "INC", "M", "MR", "MME", "MLLE", "MONSIEUR",
    "MADAME", "PRIVE", "PRIVEE", "CLINIQUE", "ASSOCIATION", "FONDATION", "MUTUELLE",
})


def _starts(words: list[str], prefixes: tuple[tuple[str, ...], ...]) -> bool:
    return any(tuple(words[:len(prefix)]) == prefix and len(words) >= len(prefix) for prefix in prefixes)


def public_body_name(name: str) -> bool:
    """Whether ``name`` clearly is a French public body's: it starts with a public body's designation and has
    no legal form, civility or private-law marker. Conservative: anything doubtful is not a public body."""
    words = _words(name)
    if not words or _NOT_PUBLIC & set(words):
        return False
    return _starts(words, _PUBLIC_PREFIXES)


def public_category(name: str) -> str:
    """``health`` for a public hospital's name (R2192-11 1°: 50 days), else ``general`` (R2192-10: 30 days)."""
    return "health" if public_body_name(name) and _starts(_words(name), _HEALTH_PREFIXES) else "general"
