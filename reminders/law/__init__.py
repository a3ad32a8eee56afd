"""Late-payment law: French statutory penalties, the recovery indemnity, limitation and payment terms.

Pure functions, no clock and no settings; the rate tables are TOML files in ``reminders/law/data``.

- ``late_penalty(outstanding, due_on, as_of, *, b2c, contract_rate, country, formal_notice_on, payments, mode,
  rates)`` -> PenaltyResult (Code de commerce L441-10; Code civil 1231-6 for consumers); ``mode``: statutory,
  fixed (a contract rate, floored at three times the legal rate) or three_times_legal;
- ``wording.rate_in_words(periods, language)``: the rate applied, as letters print it;
- ``hints.mode_hint(note)``: the mode an e-invoice's payment note (BT-20/PMD) suggests;
- ``rates.RateBook``: the tables, provisional half-years, the operator's confirmations;
- ``recovery_indemnity(b2c, country)`` -> EUR 40 between businesses (D441-5), 0 for consumers;
- ``invoice_claim(...)`` -> Claim: principal + penalties + indemnity for one late invoice;
- ``limitation_start(issued_on, delivered_on, period_end)``, ``limitation_date(start, b2c, acknowledged_on)`` /
  ``limitation_warning(start, b2c, as_of, warn_days, since=, acknowledged_on=, sued_on=)``
  (Code de commerce L110-4, Code de la consommation L218-2);
- ``payment_terms_issue(issued_on, due_on)`` (Code de commerce L441-10 I);
- ``public_procurement``: a public body's (B2G) payment periods and intérêts moratoires (``late_penalty(...,
  public=True)``: ECB + 8 points, Code de la commande publique L2192-13, R2192-31), ``public_body_name(name)``;
- ``LATE_PAYMENT_RULES[country]``: France's rule and the Directive 2011/7/EU minimums elsewhere.
"""
from __future__ import annotations

from reminders.law.errors import ContractRateTooLow, LawError, RateNotKnown, RateTableError
from reminders.law.eu import LATE_PAYMENT_RULES, LatePaymentRule
from reminders.law.limitation import limitation_date, limitation_start, limitation_warning
from reminders.law.penalties import (
    PENALTY_MODES,
    Claim,
    PenaltyPeriod,
    PenaltyResult,
    invoice_claim,
    late_penalty,
    recovery_indemnity,
)
from reminders.law.public_procurement import public_body_name, public_category, public_terms_issue
from reminders.law.rates import ecb_rate_on, french_legal_interest_rate_on
from reminders.law.terms import latest_lawful_due_date, payment_terms_issue

__all__ = [
    "LATE_PAYMENT_RULES", "PENALTY_MODES", "Claim", "ContractRateTooLow", "LatePaymentRule", "LawError", "PenaltyPeriod", "PenaltyResult",
    "RateNotKnown", "RateTableError", "ecb_rate_on", "french_legal_interest_rate_on", "invoice_claim", "late_penalty",
    "latest_lawful_due_date", "limitation_date", "limitation_start", "limitation_warning", "payment_terms_issue", "public_body_name",
    "public_category", "public_terms_issue", "recovery_indemnity",
]
