"""French templates: key words per level, French amounts and dates, HTML escaping."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from reminders_samples import make_context

from reminders.context import InvoiceLine, ReminderContext, format_amount, format_date
from reminders.errors import TemplateError
from reminders.policy import DEFAULT_POLICY
from reminders.render import compose, levels_with_templates, render

NB = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1234.50", "EUR", f"1{NB}234,50{NB}€"),
        ("0.5", "EUR", f"0,50{NB}€"),
        ("1234567.005", "EUR", f"1{NB}234{NB}567,01{NB}€"),
        ("999", "USD", f"999,00{NB}$"),
        ("12.3", "CHF", f"12,30{NB}CHF"),
        ("-40", "EUR", f"-40,00{NB}€"),
    ],
)
def test_format_amount_french(amount: str, currency: str, expected: str) -> None:
    assert format_amount(Decimal(amount), currency) == expected


def test_format_date_french() -> None:
    assert format_date(date(2026, 11, 25)) == "25/11/2026"
    assert format_date(date(2026, 1, 5)) == "05/01/2026"


def test_every_default_level_has_templates() -> None:
    assert {lv.code for lv in DEFAULT_POLICY.levels} <= set(levels_with_templates())


def test_courteous(context: ReminderContext) -> None:
    out = render("courteous", context)
    assert "Échéance prochaine" in out.subject
    assert "bientôt à échéance" in out.text
    assert "FR76 3000 6000 0112 3456 7890 189" in out.text and "virement" in out.text
    assert "FA-2026-0012 FA-2026-0013" in out.text  # payment reference
    assert "relance" not in out.text.lower() and "mise en demeure" not in out.text.lower()


def test_first_reminder_is_informative_and_asks_for_a_date(context: ReminderContext) -> None:
    out = render("first_reminder", context)
    assert out.subject.startswith("Relance")
    assert "Sauf erreur de notre part" in out.text
    assert "si quelque chose ne va pas" in out.text.lower()
    assert "la date à laquelle" in out.text
    assert "ne pas tenir compte" in out.text
    assert "mise en demeure" not in out.text.lower()


def test_second_reminder_is_firmer(context: ReminderContext) -> None:
    out = render("second_reminder", context)
    assert out.subject.startswith("Deuxième relance")
    assert "deuxième relance" in out.text
    assert "16 jours" in out.text  # since the oldest due date
    assert out.html is not None and "deuxième relance" in out.html


def test_formal_notice_business(context: ReminderContext) -> None:
    out = render("formal_notice", context)
    text = out.text
    assert "Mise en demeure" in out.subject
    assert "mettons en demeure" in text
    assert "8 jours à compter de la réception de la présente" in text  # from receipt, not a fixed day
    assert "L441-10 du code de commerce" in text
    assert "indemnité forfaitaire pour frais de recouvrement de 40 € par facture" in text
    assert f"80,00{NB}€" in text  # 2 invoices
    assert "pénalités de retard" in text
    assert "procédure de recouvrement judiciaire" in text  # consequences
    assert "FA-2026-0012" in text and "FA-2026-0013" in text
    assert out.html is not None and "mise en demeure" in out.html.lower()


def test_formal_notice_consumer_has_no_recovery_indemnity() -> None:
    out = render("formal_notice", make_context(is_business=False))
    assert "indemnité forfaitaire" not in out.text
    assert "taux légal" in out.text


def test_amounts_and_dates_are_french_in_text(context: ReminderContext) -> None:
    out = render("first_reminder", context)
    assert f"1{NB}234,50{NB}€" in out.text
    assert f"1{NB}334,40{NB}€" in out.text  # total
    assert "09/11/2026" in out.text and "10/10/2026" in out.text
    assert "1234.50" not in out.text


def test_singular_wording() -> None:
    one = (InvoiceLine("FA-1", date(2026, 10, 1), date(2026, 11, 24), Decimal(10), Decimal(10)),)
    out = render("first_reminder", make_context(invoices=one))
    assert "de la facture suivante" in out.text
    assert "facture FA-1 échue le 24/11/2026" in out.subject
    assert "en retard de 1 jour\n" in out.text


def test_html_escapes_customer_data_and_text_does_not() -> None:
    evil = (InvoiceLine("<b>FA</b>", date(2026, 10, 1), date(2026, 11, 1), Decimal(1), Decimal(1)),)
    ctx = make_context(customer_name="<script>x</script>", invoices=evil)
    for level in levels_with_templates():
        out = render(level, ctx)
        assert out.html is not None
        assert "<b>FA</b>" not in out.html and "&lt;b&gt;FA&lt;/b&gt;" in out.html
        assert "Atelier Dupont &amp; Fils" in out.html
        assert "<b>FA</b>" in out.text  # plain text is not HTML-escaped
        assert "\n" not in out.subject


def test_letter_body_leaves_the_table_to_the_letter(context: ReminderContext) -> None:
    out = render("formal_notice", context, letter=True)
    assert out.html is None
    assert "- Facture FA-2026-0012" not in out.text
    assert "mettons en demeure" in out.text


def test_unknown_level_is_a_clear_error(context: ReminderContext) -> None:
    with pytest.raises(TemplateError, match="no template"):
        render("nope", context)


def test_compose_addresses_the_message_per_channel(context: ReminderContext) -> None:
    email = compose("second_reminder", "email", context)
    assert email.to == ("élodie.martin@boulangerie.example",)
    assert email.html is not None and email.level == "second_reminder"
    assert email.invoice_numbers == ("FA-2026-0012", "FA-2026-0013")
    assert email.total == Decimal("1334.40")
    letter = compose("second_reminder", "letter", context)
    assert letter.html is None and letter.recipient_lines[0] == "Boulangerie Martin"
    assert compose("first_reminder", "phone", context).to == ("+33 4 78 00 00 00",)
