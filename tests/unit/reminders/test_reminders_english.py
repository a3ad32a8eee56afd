"""English customers get English emails: every part (subject, text, HTML) in one language, French templates
and English ones in pairs, and a whole-message fallback to French (never a mix) when a level lacks English."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from reminders_samples import make_context

import reminders.templates
from reminders.context import PenaltyLine, ReminderContext
from reminders.model import UnallocatedPayment
from reminders.render import compose, levels_with_templates, render

TEMPLATES = Path(reminders.templates.__file__).parent

# French templates with no English twin on purpose, and why.
FRENCH_ONLY = {
    "_letter.html.j2": "bilingual: the letter's frame switches its labels on the `english` variable",
    "_statement_of_account.html.j2": "bilingual: switches its labels on the `english` variable",
    "_text.html.j2": "language-neutral: paragraphs of the message's own text, lang from `language`",
    "weekly_report.html.j2": "bilingual: every label comes from worker/insight/weekly_report.py LABELS",
    "weekly_report.txt.j2": "bilingual: every label comes from worker/insight/weekly_report.py LABELS",
    "_penalties.txt.j2": "macro of formal_notice.txt.j2; formal_notice.en.txt.j2 writes the block inline",
    "claim_declaration.txt.j2": "filed with a French mandataire judiciaire, in French (C. com. L622-25, R622-23; "
                                "ordonnance de Villers-Cotterêts art. 111: French is the language of proceedings)",
}

EMAIL_LEVELS = ("courteous", "first_reminder", "second_reminder", "formal_notice")
FRENCH_MARKERS = ("Madame", "Monsieur", "Facture", "Échéance", "Reste dû", "règlement", "vous", "Nous ",
                  "Cordialement", "salutations")


def _english_twin(name: str) -> str:
    stem, _, part = name.removesuffix(".j2").rpartition(".")
    return f"{stem}.en.{part}.j2"


def _french(name: str) -> str:
    return name.replace(".en.", ".", 1)


def test_every_french_template_has_its_english_twin_and_back() -> None:
    names = {p.name for p in TEMPLATES.glob("*.j2")}
    french = {n for n in names if ".en." not in n}
    english = names - french
    assert not {n for n in french if n not in FRENCH_ONLY and _english_twin(n) not in names}
    assert not {n for n in english if _french(n) not in names}
    assert not {n for n in FRENCH_ONLY if n not in names}, "an exception names a template that is gone"
    assert not {n for n in FRENCH_ONLY if _english_twin(n) in names}, "an exception has a twin after all"


def _english(**changes: object) -> ReminderContext:
    return replace(make_context(), language="en", **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("level", EMAIL_LEVELS)
def test_an_english_customer_gets_an_english_email_in_every_part(level: str) -> None:
    ctx = _english(penalties=(PenaltyLine("FA-2026-0012", Decimal("12.34"), 16, "ECB rate + 10 points"),))
    message = compose(level, "email", ctx)
    assert message.language == "en"
    assert message.html is not None and '<html lang="en">' in message.html
    assert "Dear Sir or Madam" in message.text and "Dear Sir or Madam" in message.html
    assert "€1,334.40" in message.text and "€1,334.40" in message.html
    assert "9 November 2026" in message.html  # an invoice's due date, English style
    for part in (message.subject, message.text, message.html):
        assert not [word for word in FRENCH_MARKERS if word in part], (level, part)
    assert "Invoice" in message.html and "Outstanding" in message.html and "IBAN: FR76" in message.html


def test_every_level_in_english_keeps_one_language(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lettrage.reminders"):
        for level in levels_with_templates():
            message = compose(level, "email", _english())
            assert message.language == "en" and "Madame, Monsieur" not in (message.html or "")
    assert not caplog.records  # every built-in level has all its English parts


def test_english_html_lists_unallocated_payments_and_consumer_wording() -> None:
    ctx = _english(unallocated=(UnallocatedPayment(date(2026, 11, 20), Decimal("100.00"), "EUR", "VIR-77",
                                                    "MARTIN"),),
                   netted=Decimal("100.00"), customer=replace(make_context().customer, is_business=False,
                                                              contact_name="Élodie Martin"))
    html = render("formal_notice", ctx).html or ""
    assert "on 20 November 2026: €100.00, bank reference VIR-77 (MARTIN)" in html
    assert "Amount requested" in html and "Less payments received not yet allocated" in html
    assert "articles 1231-6 and 1344-1" in html and "L441-10" not in html
    assert "Dear Sir or Madam (Élodie Martin)," in html
    first = render("first_reminder", ctx).html or ""
    assert "purchase order" not in first and "service" in first


def test_a_level_without_english_text_is_wholly_french(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "special.subject.j2").write_text("Rappel spécial {{ numbers }}")
    (tmp_path / "special.txt.j2").write_text("Madame, Monsieur, rappel spécial.")
    (tmp_path / "special.html.j2").write_text("<p>Madame, Monsieur, rappel spécial.</p>")
    (tmp_path / "special.en.subject.j2").write_text("Special reminder {{ numbers }}")
    with caplog.at_level(logging.WARNING, logger="lettrage.reminders"):
        message = compose("special", "email", _english(), template_dir=tmp_path)
    assert message.language == "fr" and message.subject.startswith("Rappel spécial")
    assert message.html == "<p>Madame, Monsieur, rappel spécial.</p>"
    assert "special.en.txt.j2" in caplog.text and "French" in caplog.text


def test_a_level_without_english_html_draws_it_from_the_english_text(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "special.subject.j2").write_text("Rappel spécial")
    (tmp_path / "special.txt.j2").write_text("Madame, Monsieur, rappel spécial.")
    (tmp_path / "special.html.j2").write_text("<p>Madame, Monsieur, rappel spécial.</p>")
    (tmp_path / "special.en.subject.j2").write_text("Special reminder")
    (tmp_path / "special.en.txt.j2").write_text("Dear Sir or Madam, a special reminder.")
    with caplog.at_level(logging.WARNING, logger="lettrage.reminders"):
        message = compose("special", "email", _english(), template_dir=tmp_path)
    assert message.language == "en" and message.subject == "Special reminder"
    assert message.html is not None and "Dear Sir or Madam, a special reminder." in message.html
    assert "Madame" not in message.html and '<html lang="en">' in message.html
    assert "special.en.html.j2" in caplog.text
    letter = compose("special", "letter", _english(), template_dir=tmp_path)
    assert letter.language == "en" and letter.html is None
