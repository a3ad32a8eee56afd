"""The formal notice's checklist (issue 19, "Done when"), on the PDF letter a customer receives, page by page.

For a business, a consumer and a public body (B2G): the operative sum is the whole claim and agrees with the table,
the rate applied is printed in words, the days to pay run from receipt, the signatory stands on the page of the
closing text, the names print exactly (no "&amp;", no "&#39;"), the sender's mentions are in every page's footer.
"""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from reminders_samples import make_context

from reminders.channels.letter import render_letter
from reminders.context import InvoiceLine, PenaltyLine, ReminderContext, format_amount, format_amount_en
from reminders.law import late_penalty
from reminders.law.wording import rate_in_words, rate_terms
from reminders.render import compose

COMPANY = "Dupont & Fils l'Atelier"
CUSTOMER = "L'Épi d'Or & Cie"
PUBLIC_BODY = "Commune de l'Isle-d'Abeau"
SIGNATORY = "Marie Martin, gérante"


def _context(kind: str, language: str, invoices: int) -> ReminderContext:
    lines = tuple(InvoiceLine(f"FA-{i:04d}", date(2026, 9, 1), date(2026, 10, 1), Decimal("100.00"),
                              Decimal("100.00")) for i in range(invoices))
    public = kind == "public"
    context = make_context(customer_name=PUBLIC_BODY if public else CUSTOMER, is_business=kind != "consumer",
                           invoices=lines)
    company = replace(context.company, name=COMPANY, legal_form="SARL", capital="10000.00", siren="732829320",
                      rcs_city="Lyon", signatory_name="Marie Martin", signatory_title="gérante")
    customer = replace(context.customer, is_public=public)
    periods: tuple = ()
    if public:  # computed by the law: ECB rate of the half-year the interest began in + 8 points (R2192-31)
        results = [late_penalty(inv.open_amount, inv.due_on, context.as_of, public=True) for inv in lines]
        periods = tuple(p for r in results for p in r.periods)
        penalties = tuple(PenaltyLine(inv.number, r.amount, sum(p.days for p in r.periods),
                                      f"{rate_in_words(r.periods, language)}, {r.basis}")
                          for inv, r in zip(lines, results, strict=True))
    elif kind == "business":
        results = [late_penalty(inv.open_amount, inv.due_on, context.as_of) for inv in lines]
        periods = tuple(p for r in results for p in r.periods)
        penalties = tuple(PenaltyLine(inv.number, Decimal("1.85"), 55, "taux BCE 2,15 % + 10 points") for inv in lines)
    else:
        penalties = ()
    return replace(context, company=company, customer=customer, language=language, penalties=penalties,
                   penalty_rate=rate_in_words(periods, language), penalty_rate_terms=rate_terms(periods, language))


def _flat(text: str) -> str:
    return " ".join(text.split())  # PDF lines and non-breaking spaces as single spaces


def _pages(context: ReminderContext) -> list[str]:
    from pypdf import PdfReader

    data = render_letter(compose("formal_notice", "letter", context))
    return [_flat(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize(("kind", "language"), [("business", "fr"), ("consumer", "fr"), ("business", "en"),
                                              ("public", "fr"), ("public", "en")])
@pytest.mark.parametrize("invoices", [2, 26, 27])
def test_the_formal_notice_letter_passes_the_checklist(kind: str, language: str, invoices: int) -> None:
    """C. civ. 1344 and 1344-1 (the notice demands what is owed and starts the legal interest), C. com. L441-10 II
    and D441-5 (penalties and 40 EUR per invoice from a business, never from a consumer), C. proc. civ. exéc.
    L111-8 (no costs put on a consumer), C. com. R123-237 (the sender's mentions on its letters); for a public body,
    Code de la commande publique L2192-13 (intérêts moratoires and the indemnity of right, without formality),
    R2192-31 (ECB rate of the half-year the interest began in + 8 points), D2192-35 (40 EUR) and Code de justice
    administrative R421-1 (the notice is the prior claim the administrative judge requires)."""
    business, public = kind != "consumer", kind == "public"
    context = _context(kind, language, invoices)
    pages = _pages(context)
    text = " ".join(pages)
    money = format_amount_en if language == "en" else format_amount
    claim = _flat(money(context.claim_total))
    if public:  # 100 EUR per invoice late since 2 October 2026 at 2.15 + 8 = 10.15 %, and 40 EUR each
        days = (context.as_of - date(2026, 10, 1)).days
        interest = (Decimal("100.00") * Decimal("10.15") / 100 * days / 365).quantize(Decimal("0.01"))
        assert context.penalties_total == interest * invoices
        expected = (Decimal(100) + interest + 40) * invoices
    else:
        expected = Decimal(100 * invoices) + (Decimal("1.85") + 40) * invoices if business else Decimal(100 * invoices)
    assert context.claim_total == expected
    # the operative sum is the whole claim, and the table ends on the same total
    operative = "to pay " if language == "en" else "la somme de "
    assert f"{operative}{claim}" in text
    assert f"{'Total claimed' if language == 'en' else 'Total réclamé'} {claim}" in text
    # the rate applied, in words
    if business:
        words = "ECB rate 2.15% + {} points = {}%" if language == "en" else "taux BCE 2,15 % + {} points = {} %"
        assert (words.format(8, "10.15" if language == "en" else "10,15") if public
                else words.format(10, "12.15" if language == "en" else "12,15")) in text
    # the days to pay run from receipt; no date counted from the writing
    assert ("within 8 days of receipt" if language == "en"
            else "8 jours à compter de la réception de la présente") in text
    assert _flat(money(Decimal(40) * invoices)) in text if business else "forfaitaire" not in text
    if not business:
        assert "charge" not in text and "taux légal à compter de la présente mise en demeure" in text
    if public:  # intérêts moratoires, not the Code de commerce's penalties; the administrative judge, no injonction
        assert ("L2192-13" in text and "D2192-35" in text and "R421-1" in text and "L441-10" not in text
                and "injonction" not in text)
        assert ("Interest on arrears" if language == "en" else "Intérêts moratoires") in text
    # the signatory on the page of the closing text
    closing = "Yours faithfully" if language == "en" else "salutations distinguées"
    [closing_page] = [i for i, page in enumerate(pages) if closing in page]
    [signatory_page] = [i for i, page in enumerate(pages) if SIGNATORY in page]
    assert closing_page == signatory_page
    # names exact, escaped once only; the sender's mentions on every page
    assert "&amp;" not in text and "&#39;" not in text
    assert (PUBLIC_BODY if public else CUSTOMER) in text
    assert all(COMPANY in page and "RCS Lyon 732 829 320" in page for page in pages)
    if invoices > 20:
        assert len(pages) > 1  # the long letters do test a page break
