"""The customer page's signed links and proof checks, without a database (issue 22 item 4): a token is read back
only with its company's key, any change to it is refused, the page's settings are bounded, and a proof must be a
PDF, PNG or JPEG by its bytes, under its size limit, without active content."""
from __future__ import annotations

from datetime import date

import pytest

from worker.dunning.customer_links import (
    LinkRefused,
    PageSettings,
    parse_page_settings,
    read_token,
    sign_token,
)
from worker.dunning.customer_links_answers import AnswerRefused, check_proof
from worker.errors import ConfigurationError

KEY = "unit-secret-key-0123456789abcdef"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def test_a_token_reads_back_with_its_claims_and_its_expiry() -> None:
    token = sign_token(KEY, "acme", "C001", 42, date(2026, 3, 2), 60, 3)
    claims = read_token(KEY, token)
    assert (claims.company_ref, claims.customer_ref, claims.reminder_id, claims.generation) == ("acme", "C001", 42, 3)
    assert claims.expires_on == date(2026, 5, 1)
    assert len(token) < 90  # short enough to print on a letter and type


def test_tampered_or_foreign_tokens_are_refused() -> None:
    token = sign_token(KEY, "acme", "C001", 42, date(2026, 3, 2), 60, 0)
    payload, _, _signature = token.partition(".")
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" + token, payload, "", "a.b", "." * 700,
                sign_token("another-deployment-key-000000000", "acme", "C001", 42, date(2026, 3, 2), 60, 0)):
        with pytest.raises(LinkRefused):
            read_token(KEY, bad)
    # the same payload signed for another company does not pass as acme's
    other = sign_token(KEY, "other", "C001", 42, date(2026, 3, 2), 60, 0)
    assert read_token(KEY, other).company_ref == "other"
    with pytest.raises(LinkRefused):
        read_token(KEY, other.replace(other.partition(".")[0], payload))


def test_page_settings_are_bounded() -> None:
    assert parse_page_settings({}) == PageSettings()
    assert parse_page_settings({"link_days": 30}).link_days == 30
    for raw in ({"link_days": 0}, {"max_instalments": 99}, {"paid_pause_days": "10"}, {"unknown": 1},
                {"max_proof_mb": True}):
        with pytest.raises(ConfigurationError):
            parse_page_settings(raw)


def test_proofs_are_checked_by_their_bytes_size_and_content() -> None:
    limits = PageSettings(max_proof_mb=1)
    assert check_proof(PNG, "image/png", limits) == ".png"
    assert check_proof(b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg", limits) == ".jpg"
    script = b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (x) >> >>\nendobj\n%%EOF"
    for data, kind in ((b"MZ\x90\x00", "application/pdf"), (b"<svg onload=alert(1)>", "image/svg+xml"),
                       (PNG, "application/pdf"), (PNG + b"\x00" * (1024 * 1024), "image/png"),
                       (script, "application/pdf")):
        with pytest.raises(AnswerRefused):
            check_proof(data, kind, limits)


@pytest.mark.parametrize("level", ["courteous", "first_reminder", "second_reminder", "formal_notice"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_email_and_letter_prints_the_link_only_when_given(level: str, language: str) -> None:
    from dataclasses import replace

    from reminders.channels.letter import letter_html
    from reminders.render import compose
    from tests.unit.reminders.reminders_samples import make_context

    url = "https://pay.example.fr/p/WyJhY21lIiwiQzAwMSIsNyw3Mzk5NTcsNjAsMF0.sig"
    context = replace(make_context(), language=language)
    linked = replace(context, extra={"page_url": url})
    email = compose(level, "email", linked)
    assert url in email.text and f'href="{url}"' in (email.html or "")
    assert url in letter_html(compose(level, "letter", linked))  # the short URL printed on the letter
    bare = compose(level, "email", context)
    assert "/p/" not in bare.text and "/p/" not in (bare.html or "")


def test_an_answers_body_is_bounded_before_it_is_read() -> None:
    from worker.api.limits import MB, limits_for
    from worker.settings import load_settings

    limits = limits_for(load_settings({"LETTRAGE_DATABASE_URL": "sqlite://"}, env_file=None))
    [limit] = [lim for lim in limits if lim.path.match("/p/WyJh.sig/answer/paid")]
    assert "POST" in limit.methods and 20 * MB < limit.max_bytes < 21 * MB
    assert not [lim for lim in limits if lim.path.match("/p/WyJh.sig")]
