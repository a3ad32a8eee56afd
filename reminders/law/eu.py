"""Late-payment rules per EU country: France's (Code de commerce) and the Directive 2011/7/EU minimums.

Directive 2011/7/EU on combating late payment in commercial transactions (between undertakings):
- art. 3: statutory interest at least the *reference rate* plus 8 percentage points, the rate of
  1 January applying to the first half-year and that of 1 July to the second; for a euro-area
  country the reference rate is the ECB's main refinancing rate (art. 2(7)(a)); for a country outside
  the euro area it is the national central bank's equivalent rate (art. 2(7)(b)), not tabled here;
- art. 6: a fixed sum of at least EUR 40 as compensation for recovery costs.

Every country but France is given these *minimums* as parameters: a national transposition may be
stricter (Germany, for instance, BGB §288: base rate + 9 points), so a deployment that needs the exact
national rule replaces its entry in ``LATE_PAYMENT_RULES``. The Directive does not cover consumers.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class LatePaymentRule:
    """How late-payment interest and the recovery indemnity are set between businesses in one country."""

    country: str
    reference: str  # "ecb": ECB main refinancing rate of 1 January / 1 July; "national": not tabled
    margin_points: Decimal  # added to the reference rate, in percentage points
    indemnity: Decimal  # fixed recovery indemnity per late invoice, in EUR
    basis: str  # the article the interest rule comes from
    indemnity_basis: str
    # a contract rate below this multiple of the national legal interest rate is refused (France only)
    contract_floor_legal_multiple: Decimal | None = None


FRANCE = LatePaymentRule(
    country="FR", reference="ecb", margin_points=Decimal(10), indemnity=Decimal("40.00"),
    basis="Code de commerce L441-10", indemnity_basis="Code de commerce L441-10 and D441-5",
    contract_floor_legal_multiple=Decimal(3),
)

DIRECTIVE_BASIS = "Directive 2011/7/EU art. 3 (reference rate + 8 points, minimum)"
DIRECTIVE_INDEMNITY_BASIS = "Directive 2011/7/EU art. 6 (EUR 40, minimum)"

# Member states using the euro on 1 January 2026 (Bulgaria joined on that day).
EURO_AREA = ("AT", "BE", "BG", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV",
             "MT", "NL", "PT", "SI", "SK")
OUTSIDE_EURO_AREA = ("CZ", "DK", "HU", "PL", "RO", "SE")


def _directive_rule(country: str) -> LatePaymentRule:
    return LatePaymentRule(
        country=country, reference="ecb" if country in EURO_AREA else "national", margin_points=Decimal(8),
        indemnity=Decimal("40.00"), basis=DIRECTIVE_BASIS, indemnity_basis=DIRECTIVE_INDEMNITY_BASIS,
    )


LATE_PAYMENT_RULES: dict[str, LatePaymentRule] = {
    "FR": FRANCE,
    **{c: _directive_rule(c) for c in sorted(EURO_AREA + OUTSIDE_EURO_AREA) if c != "FR"},
}
