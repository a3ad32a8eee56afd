"""The formal notice as a lawyer would write it, and letters that print what they mean (issue 19 item 3).

The operative sum, the deadline from receipt, the consumer's wording, the escaping of names in every template and
letter, and the closing block that keeps the signature with its text.
"""
from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from reminders_samples import make_context

from reminders.channels import letter as letter_module
from reminders.channels.letter import closing_index, letter_html, render_letter
from reminders.context import InvoiceLine, PenaltyLine, ReminderContext
from reminders.render import compose, levels_with_templates, render

NB = "\u00a0"
COMPANY = "Dupont & Fils l'Atelier"
CUSTOMER = "L'Épi d'Or & Cie"


def _business() -> ReminderContext:
    """Two invoices, 1 334,40 € open, penalties 21,30 € to date, 80 € indemnity: 1 435,70 € claimed."""
    return replace(make_context(), penalties=(
        PenaltyLine("FA-2026-0012", Decimal("15.20"), 16, "taux BCE 2,15 % + 10 points"),
        PenaltyLine("FA-2026-0013", Decimal("6.10"), 14, "taux BCE 2,15 % + 10 points")))


def _pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_operative_sum_is_principal_penalties_and_indemnity(language: str) -> None:
    """C. com. L441-10 II and D441-5: penalties and the 40 EUR indemnity per invoice are owed by operation of law;
    C. civ. 1344: the formal notice demands what is owed, so its operative sentence names the whole claim, the
    same total as its table, and says penalties keep running until payment (C. civ. 1231-6)."""
    context = replace(_business(), language=language)
    assert context.claim_total == Decimal("1435.70")
    out = render("formal_notice", context)
    if language == "fr":
        expected = (f"mettons en demeure de nous régler la somme de 1{NB}435,70{NB}€ (principal 1{NB}334,40{NB}€, "
                    f"pénalités de retard arrêtées au 25/11/2026 21,30{NB}€, indemnité forfaitaire 80,00{NB}€)")
        running = "Les pénalités de retard continuent de courir jusqu'au complet paiement"
    else:
        expected = ("formal notice (mise en demeure) to pay €1,435.70 (principal €1,334.40, late-payment penalties "
                    "to 25 November 2026 €21.30, fixed indemnity €80.00)")
        running = "Late-payment penalties keep running until payment in full"
    assert expected in out.text and running in out.text
    assert out.html is not None and running in out.html
    assert re.search(r"(la somme de|to pay) <strong>(1\u00a0435,70\u00a0€|€1,435.70)</strong>", out.html)
    letter = compose("formal_notice", "letter", context)
    assert dict(letter.claim)["total"] == "1435.70"  # the letter's table ends on the same total


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_deadline_runs_from_receipt_not_from_the_day_of_writing(language: str) -> None:
    """C. civ. 1344: the debtor is put on notice by a letter he receives; the period to pay runs from its receipt
    (a registered letter may take days to arrive), so no fixed day counted from the writing is printed."""
    out = render("formal_notice", replace(_business(), language=language))
    phrase = ("8 jours à compter de la réception de la présente" if language == "fr"
              else "within 8 days of receipt of this letter")
    assert phrase in out.text
    assert "03/12/2026" not in out.text and "3 December 2026" not in out.text  # as_of + 8 is gone


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_consumer_is_not_told_the_costs_are_his_and_owes_legal_interest_from_the_notice(language: str) -> None:
    """C. proc. civ. exéc. L111-8: the costs of recovery without an enforceable title are borne by the creditor
    unless a judge decides otherwise, so no "à votre charge"; C. civ. 1231-6 and 1344-1: a consumer owes interest
    at the legal rate from the formal notice, no B2B penalties nor 40 EUR indemnity (C. com. L441-10 II)."""
    context = replace(make_context(is_business=False), language=language)
    out = render("formal_notice", context)
    for part in (out.text, out.html or ""):
        assert "à votre charge" not in part and "at your expense" not in part
        assert "indemnité forfaitaire" not in part and "fixed recovery indemnity" not in part
    if language == "fr":
        assert f"mettons en demeure de nous régler la somme de 1{NB}334,40{NB}€ dans un délai de 8 jours" in out.text
        assert "intérêts au taux légal à compter de la présente mise en demeure" in out.text
    else:
        assert "to pay €1,334.40 within 8 days of receipt" in out.text
        assert "interest at the legal rate from this formal notice" in out.text


def test_a_business_is_told_the_costs_beyond_the_indemnity_are_claimed_on_proof() -> None:
    """C. com. L441-10 II al. 2: recovery costs beyond the 40 EUR indemnity may be claimed on proof; not "resteront
    à votre charge", which only a judge may decide (C. proc. civ. exéc. L111-8)."""
    text = render("formal_notice", _business()).text
    assert "au-delà de l'indemnité forfaitaire pourront vous être réclamés sur justification" in text
    assert "à votre charge" not in text


def _names(language: str = "fr") -> ReminderContext:
    context = replace(make_context(customer_name=CUSTOMER), language=language)
    return replace(context, company=replace(context.company, name=COMPANY))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_names_with_ampersand_and_apostrophe_are_escaped_once_in_every_template(language: str) -> None:
    """Issue 19: every PDF footer showed "&amp;" and "&#39;". Text is never HTML-escaped, HTML exactly once."""
    context = _names(language)
    for level in levels_with_templates():
        out = render(level, context)
        assert COMPANY in out.text, level
        assert "&amp;" not in out.text + out.subject and "&#39;" not in out.text + out.subject, level
        assert out.html is not None
        assert "Dupont &amp; Fils l&#39;Atelier" in out.html, level
        assert "&amp;amp;" not in out.html and "&amp;#39;" not in out.html, level


def test_the_letter_prints_the_names_exactly_in_its_body_and_its_footer() -> None:
    """Issue 19: the footer (a CSS string in the letter's style) printed "&amp;"; a style's text is not
    entity-decoded, so it takes CSS escapes. Every page's text carries the exact characters."""
    for level in ("first_reminder", "formal_notice", "legal_file"):
        message = compose(level, "letter", _names())
        html = letter_html(message)
        style = html.split("<style>")[1].split("</style>")[0]
        assert "&amp;" not in style and "&#39;" not in style, level
        pages = _pdf_pages(render_letter(message))
        text = "\n".join(pages)
        assert "&amp;" not in text and "&#39;" not in text, level
        assert CUSTOMER in text, level
        assert all(COMPANY in page for page in pages), level  # the footer of every page


def test_a_name_cannot_close_the_style_element() -> None:
    """The footer escapes "<" too: a company called "</style>" stays text."""
    context = make_context()
    context = replace(context, company=replace(context.company, name='A</style><b>"x"\\'))
    html = letter_html(compose("first_reminder", "letter", context))
    assert html.count("</style>") == 1


def test_the_closing_block_starts_at_the_closing_formula() -> None:
    """The last words, the closing formula and the signature go together, never the paragraph the invoice table
    follows; without a formula, the last two paragraphs."""
    formula = ["a :", "b", "Nous vous prions d'agréer, Madame, Monsieur, …", "Sig"]
    assert closing_index(formula) == 1
    assert closing_index(formula, after=2) == 2 and closing_index(formula, after=9) == 2
    assert closing_index(["a", "Yours faithfully,", "Sig\nmail"]) == 0
    assert closing_index(["a", "b", "c"]) == 1
    assert closing_index(["only"]) == 0


def _split(invoices: int) -> bool:
    """Whether the formal notice's closing formula and its signature fall on different pages."""
    lines = tuple(InvoiceLine(f"FA-{i:04d}", date(2026, 9, 1), date(2026, 10, 1), Decimal("100.00"),
                              Decimal("100.00")) for i in range(invoices))
    pages = _pdf_pages(render_letter(compose("formal_notice", "letter", make_context(invoices=lines))))
    formula = [i for i, page in enumerate(pages) if "salutations distinguées" in page]
    signature = [i for i, page in enumerate(pages) if "compta@dupont.example" in page]
    return formula != signature


def test_the_signature_never_stands_alone_on_the_next_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19: the signature fell alone on page 2. Among invoice counts that split the closing block when it may
    break (found first, so the test is known to exercise the case), none does once it is kept together."""
    counts = range(24, 30)
    with monkeypatch.context() as patch:
        patch.setattr(letter_module, "closing_index", lambda paragraphs, after=0: 10**6)
        splitting = [n for n in counts if _split(n)]
    assert splitting, "no invoice count puts a page break in the closing block: widen the range"
    assert [n for n in splitting if _split(n)] == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_legal_file_names_the_steps_in_words_and_the_proofs_by_file(language: str) -> None:
    """Issue 19: the legal file, read by a lawyer or a commissaire de justice (C. proc. civ. 1405: the request
    for an injonction de payer comes with its supporting documents), printed raw codes ("first_reminder par
    email, sent"), server paths as proofs and "consommateur14 rue…"; penalties keep running (C. com. L441-10)."""
    from reminders.context import HistoryLine

    history = (HistoryLine(date(2026, 11, 1), "first_reminder", "email", "sent", "<m1@dupont.example>"),
               HistoryLine(date(2026, 11, 10), "formal_notice", "letter", "sent",
                           "/var/lib/lettrage/letters/C001/formal_notice-2026-11-10.pdf"))
    text = render("legal_file", replace(_business(), language=language, history=history)).text
    if language == "fr":
        assert "- 01/11/2026 : première relance par courriel, envoyée — preuve : <m1@dupont.example>" in text
        assert "- 10/11/2026 : mise en demeure par courrier, envoyée — preuve : formal_notice-2026-11-10.pdf" in text
        assert "Débiteur : Boulangerie Martin (C001), professionnel\n3 place du Marché\n" in text
        assert "Créancier : Atelier Dupont & Fils\n12 rue des Lilas\n" in text
        assert "continuent de courir jusqu'au complet paiement" in text
    else:
        assert "- 1 November 2026: first reminder by email, sent — proof: <m1@dupont.example>" in text
        assert "formal notice by post, sent — proof: formal_notice-2026-11-10.pdf" in text
        assert "Debtor: Boulangerie Martin (C001), business\n3 place du Marché\n" in text
    assert "/var/lib" not in text and "first_reminder" not in text


def test_the_statement_of_account_footer_prints_the_names_exactly() -> None:
    """The statement of account (and the duplicata drawn from it) had the letters' footer bug: "&amp;", "&#39;"."""
    import weasyprint

    from reminders.templating import environment

    html = environment().get_template("_statement_of_account.html.j2").render(
        english=False, title="Relevé de compte", duplicate=False, note="", date_text="Situation au 25/11/2026",
        company_lines=[COMPANY, "12 rue des Lilas"], company_details=[], payment_lines=[],
        customer_lines=[CUSTOMER, "3 place du Marché"], customer_ref="C001", received=[],
        sections=[{"rows": [("FA-1", "01/10/2026", "31/10/2026", "10,00 €", "0,00 €", "10,00 €", 25)],
                   "totals": ("10,00 €", "0,00 €", "10,00 €"), "overdue_total": "10,00 €"}])
    style = html.split("<style>")[1].split("</style>")[0]
    assert "&amp;" not in style and "&#39;" not in style
    [page] = _pdf_pages(bytes(weasyprint.HTML(string=html).render().write_pdf()))
    assert "&amp;" not in page and "&#39;" not in page
    assert f"{COMPANY} — 12 rue des Lilas" in page and CUSTOMER in page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_consumer_notice_names_the_legal_interest_already_run_in_its_sum(language: str) -> None:
    """C. civ. 1231-6 and 1344-1: interest at the legal rate runs from a first formal notice; a later notice
    claims it with the principal, and says what the sum is made of."""
    context = replace(make_context(is_business=False), language=language,
                      penalties=(PenaltyLine("FA-2026-0012", Decimal("4.10"), 30, "taux légal 6,67 %"),))
    out = render("formal_notice", context)
    expected = (f"la somme de 1{NB}338,50{NB}€ (principal 1{NB}334,40{NB}€, intérêts au taux légal arrêtés au "
                f"25/11/2026 4,10{NB}€)" if language == "fr"
                else "to pay €1,338.50 (principal €1,334.40, legal interest to 25 November 2026 €4.10)")
    assert expected in out.text
    assert out.html is not None and ("1\u00a0338,50\u00a0€" if language == "fr" else "€1,338.50") in out.html
