"""Recognise a payer by the IBAN the money came from.

An IBAN we have already seen on a confirmed payment of a customer is the
strongest payer evidence there is. Statements print IBANs with spaces or in
lower case; connectors sometimes put an account number or garbage in the
field, so anything schwifty does not accept as a valid IBAN is ignored rather
than compared.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from schwifty import IBAN

from matching.model import Customer


@lru_cache(maxsize=65_536)
def normalise_iban(value: str | None) -> str | None:
    """Compact upper-case IBAN if ``value`` is a valid one, else ``None`` (cached: a payer pays often)."""
    if not value:
        return None
    raw = "".join(value.split()).replace("-", "").upper()
    if not raw:
        return None
    try:
        return str(IBAN(raw).compact)
    except ValueError:  # schwifty's errors all derive from ValueError
        return None


#: Countries of the SEPA area (EPC's list of the SEPA schemes' geographical scope): the EU, the EEA, and
#: Switzerland, the United Kingdom, Monaco, San Marino, the Vatican, Andorra, Gibraltar, Albania, Moldova,
#: Montenegro and North Macedonia. A SEPA credit transfer arrives whole: no bank deducts a fee from it.
SEPA_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO", "CH", "GB", "MC", "SM", "VA", "AD",
    "GI", "AL", "MD", "ME", "MK",
})


def outside_sepa(iban: str | None) -> str | None:
    """The country code of ``iban`` when it is a valid IBAN of a country outside the SEPA area, else None."""
    normalised = normalise_iban(iban)
    if normalised is None:
        return None
    country = normalised[:2]
    return None if country in SEPA_COUNTRIES else country


def compact_iban(value: str | None) -> str | None:
    """The form ``normalise_iban`` compares (no spaces or dashes, upper case), without validating it."""
    if not value:
        return None
    return "".join(value.split()).replace("-", "").upper() or None


class IbanIndex:
    """Which customers are known to pay from which IBAN."""

    def __init__(self, customers: Iterable[Customer]) -> None:
        self._owners: dict[str, list[int]] = {}
        for customer in customers:
            for iban in customer.ibans:
                # Compacted, not validated: ``owners`` looks up only valid IBANs (normalise_iban), and an
                # invalid one never compacts to a valid one, so it can never match; schwifty's checks of
                # 100,000 customers' IBANs would cost seconds on each run.
                normalised = compact_iban(iban)
                if normalised is not None:
                    owners = self._owners.setdefault(normalised, [])
                    if customer.id not in owners:
                        owners.append(customer.id)

    def owners(self, iban: str | None) -> list[int]:
        """Customer ids known for ``iban`` (several when a group pays for its members)."""
        normalised = normalise_iban(iban)
        if normalised is None:
            return []
        return sorted(self._owners.get(normalised, ()))
