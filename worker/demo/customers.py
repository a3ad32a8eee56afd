"""The demo company and its customers: French names, legal forms, e-mails and valid IBANs.

Everything is drawn from the ``random.Random`` handed in, so a seed gives the
same customers every time. IBANs are built with ``schwifty.IBAN.generate`` from
a real French bank code, a branch code and an 11-character account number;
schwifty computes the RIB key and the IBAN check digits.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from schwifty import IBAN

COMPANY_NAME = "Atelier Lumière SARL"
COMPANY_IBAN = "FR7630006000011234567890189"
COMPANY_BIC = "AGRIFRPP"
#: How the company's bank names the account in OFX files (BANKACCTFROM).
COMPANY_BANK_ID = "30006"
COMPANY_BRANCH_ID = "00001"
COMPANY_ACCOUNT_NO = "12345678901"
COMPANY_RIB_KEY = "89"
#: The demo company's [company] section: who its reminders come from (C. com. R123-237/238); its SIREN is the
#: seller's of its e-invoices (einvoicing.builders.samples.SELLER).
COMPANY_IDENTITY = {
    "name": COMPANY_NAME, "legal_form": "SARL", "capital": "20000.00", "siren": "100000009", "rcs_city": "Paris",
    "address": ["35 rue de la Verrerie", "75004 Paris"], "vat_number": "FR88100000009", "phone": "01 42 72 00 00",
    "email": "Atelier Lumière <relances@atelier-lumiere.example>", "reply_to": "compta@atelier-lumiere.example",
    "signatory_name": "Claire Martin", "signatory_title": "gérante", "iban": COMPANY_IBAN, "bic": COMPANY_BIC,
}

#: The holding that pays one invoice for a subsidiary (a third-party payment).
HOLDING_NAME = "GROUPE VERNIER HOLDING"

# Real French bank codes (établissements) with a plausible branch code each.
_BANKS: tuple[tuple[str, str], ...] = (
    ("30004", "00828"),  # BNP Paribas
    ("30003", "03620"),  # Société Générale
    ("30002", "00550"),  # LCL
    ("10278", "06039"),  # Crédit Mutuel
    ("11306", "00010"),  # Crédit Agricole
    ("20041", "01005"),  # La Banque Postale
    ("30066", "10021"),  # CIC
    ("17515", "90000"),  # Caisse d'Épargne
    ("16958", "00001"),  # Qonto
    ("10107", "00118"),  # BRED
)

_SURNAMES = (
    "Dupont", "Durand", "Lefèvre", "Moreau", "Girard", "Fournier", "Bernard", "Rousseau",
    "Mercier", "Chevalier", "Lambert", "Fontaine", "Garnier", "Faure", "Perrin", "Gauthier",
    "Boucher", "Lemaître", "Brunet", "Hélias", "Noël", "Pelletier", "Barbier", "Ménard",
    "Roussel", "Caron", "Dumas", "Aubert", "Marchand", "Benoît", "Joly", "Lecomte",
)
_FIRST_NAMES = ("Jean", "Marie", "Hélène", "François", "Élodie", "Jérôme", "Anaïs", "Loïc", "Cécile", "René")
_TRADES = (
    "Menuiserie", "Boulangerie", "Électricité", "Plomberie", "Architecture", "Imprimerie",
    "Transports", "Pharmacie", "Librairie", "Cabinet d'expertise comptable", "Garage",
    "Hôtellerie", "Restaurant", "Fromagerie", "Agence immobilière", "Bureau d'études",
    "Charpente", "Peinture et décoration", "Caves et vignobles", "Clinique vétérinaire",
)
_PLACES = (
    "du Vieux-Port", "de la Loire", "des Halles", "Saint-Étienne", "de Provence", "Bretonne",
    "du Léman", "de l'Hérault", "Montmartre", "des Cévennes", "Côte d'Opale", "du Périgord",
)
_LONG_NAMES = (
    "Société Coopérative Ouvrière de Production des Artisans Réunis",
    "Compagnie Générale d'Éclairage et de Scénographie Événementielle",
    "Établissements Lefèvre-Moreau et Fils Menuiserie Traditionnelle",
    "Association Départementale des Œuvres Culturelles de l'Hérault",
)
_FORMS = ("SARL", "SAS", "SAS", "EURL", "SA", "SARL")
_MAIL_DOMAINS = ("orange.fr", "free.fr", "gmail.com", "laposte.net", "wanadoo.fr")


@dataclass(frozen=True)
class DemoCustomer:
    """A customer of the demo company.

    ``iban`` is the account the customer pays from; ``iban_known`` says whether
    the company has it on file (written in the invoice CSV) or not.
    ``bank_names`` are the forms the payer's name takes on bank statements.
    """

    ref: str
    name: str
    email: str
    iban: str
    iban_known: bool
    since: date
    individual: bool
    core: str  # the distinctive word(s), e.g. "DUPONT" for "SARL Dupont"
    form: str  # legal form, "" for individuals and associations


def strip_accents(text: str) -> str:
    """``Lumière`` -> ``Lumiere``; ``Œuvres`` -> ``OEuvres`` (as banks print them)."""
    text = text.replace("Œ", "OE").replace("œ", "oe")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def bank_name(text: str) -> str:
    """A name as banks print it: upper case, no accents, no apostrophes."""
    return strip_accents(text).upper().replace("'", " ").replace("’", " ")


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in strip_accents(text).lower())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def make_iban(rng: random.Random) -> str:
    """A valid French IBAN at one of a handful of real banks."""
    bank, branch = rng.choice(_BANKS)
    account = "".join(rng.choice("0123456789") for _ in range(11))
    return str(IBAN.generate("FR", bank_code=bank, branch_code=branch, account_code=account))


def payer_variants(customer: DemoCustomer) -> list[str]:
    """Other ways the customer's name appears as a payer (``DUPONT SARL``, ``STE DUPONT``...)."""
    core = bank_name(customer.core)
    if customer.individual:
        return [f"M OU MME {core}", f"{core} JEAN OU MARIE", f"MR {core}"]
    variants = [f"STE {core}"]
    if customer.form:
        variants.append(f"{core} {customer.form}")
    return variants


def make_customers(rng: random.Random, today: date, count: int = 80) -> list[DemoCustomer]:
    """``count`` customers with unique names, refs ``C0001``..., ~70 % with a known IBAN."""
    customers: list[DemoCustomer] = []
    used: set[str] = set()
    long_names = list(_LONG_NAMES)
    for i in range(1, count + 1):
        individual = False
        form = ""
        roll = rng.random()
        if roll < 0.12:
            individual = True
            core = rng.choice(_SURNAMES)
            name = f"M. et Mme {core}"
            if name in used:
                name = f"{rng.choice(('M.', 'Mme'))} {rng.choice(_FIRST_NAMES)} {core}"
        elif roll < 0.17 and long_names:
            name = long_names.pop(0)
            core = name.split()[0] + " " + name.split()[1]
            form = "SAS" if name.startswith("Compagnie") else ""
        else:
            form = rng.choice(_FORMS)
            if rng.random() < 0.5:
                core = rng.choice(_SURNAMES)
                body = f"{rng.choice(_TRADES)} {core}"
            else:
                core = f"{rng.choice(_TRADES).split()[0]} {rng.choice(_PLACES)}"
                body = core
            name = f"{form} {body}" if rng.random() < 0.5 else f"{body} {form}"
        while name in used:
            name = f"{name} {rng.choice(('Nord', 'Sud', 'Est', 'Ouest', 'Centre'))}"
        used.add(name)
        if individual:
            email = f"{_slug(core)}.{rng.randint(1, 99)}@{rng.choice(_MAIL_DOMAINS)}"
        else:
            email = f"{rng.choice(('compta', 'factures', 'contact', 'admin'))}@{_slug(core)[:30]}.fr"
        since = today - timedelta(days=rng.randint(200, 3650))
        customers.append(
            DemoCustomer(
                ref=f"C{i:04d}",
                name=name,
                email=email,
                iban=make_iban(rng),
                iban_known=rng.random() >= 0.30,
                since=since,
                individual=individual,
                core=core,
                form=form,
            )
        )
    return customers
