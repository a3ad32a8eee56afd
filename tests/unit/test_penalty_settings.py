"""A company's [penalties] section, a customer's own mode, the deployment's confirmed rates (issue 19)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from reminders.render import levels_with_templates
from worker.dunning.penalty_settings import (
    PENALTY_LEVELS,
    customer_penalties,
    deployment_rates,
    parse_penalties,
    provisional_rates,
    rates_warning,
)
from worker.errors import ConfigurationError

TEMPLATES = Path(__file__).resolve().parents[2] / "reminders" / "templates"


def test_penalties_section_modes() -> None:
    """C. com. L441-10 II: the statutory rate unless the contract sets one (fixed, or three times the legal rate)."""
    assert parse_penalties({}, "acme.toml").mode == "statutory"
    fixed = parse_penalties({"mode": "fixed", "rate": "9.00"}, "acme.toml")
    assert (fixed.mode, fixed.rate) == ("fixed", D("9.00"))
    assert parse_penalties({"mode": "three_times_legal"}, "acme.toml").mode == "three_times_legal"
    # the older top-level late_penalty_rate is a fixed rate
    assert parse_penalties({}, "company acme", legacy_rate="12").rate == D(12)


@pytest.mark.parametrize(("raw", "message"), [
    ({"mode": "bce"}, "acme.toml: penalties.mode: mode must be one of statutory, fixed, three_times_legal"),
    ({"mode": "fixed"}, "acme.toml: penalties.mode: mode fixed needs rate"),
    ({"mode": "fixed", "rate": "neuf"}, "acme.toml: penalties.rate: 'neuf' is not a decimal rate"),
    ({"taux": "9"}, r"acme.toml: unknown key\(s\) penalties.taux"),
    ({"confirm": {"2026-H2": {"bce": "2"}}}, "acme.toml: penalties.confirm.2026-H2: give true or a table"),
    ({"confirm": {"2028-H1": True}}, "acme.toml: penalties.confirm.2028-H1: .*not in the table"),
])
def test_penalties_section_errors_name_the_file_and_key(raw: dict[str, object], message: str) -> None:
    """C. com. L441-10 II: a contract rate is a percentage per year; a bad setting stops with one line."""
    with pytest.raises(ConfigurationError, match=message):
        parse_penalties(raw, "acme.toml")


def test_customer_mode_overrides_the_company() -> None:
    """C. com. L441-10 II: the rate agreed with this customer (its own contract) goes before the company's."""
    company = parse_penalties({"mode": "statutory"}, "acme.toml")
    assert customer_penalties(company, {}, "C1") is company
    own = customer_penalties(company, {"penalty_rate": "11"}, "C1")
    assert (own.mode, own.rate) == ("fixed", D(11))
    assert customer_penalties(company, {"penalty_mode": "three_times_legal"}, "C1").mode == "three_times_legal"
    with pytest.raises(ConfigurationError, match="customer C1: penalty_mode: mode fixed needs rate"):
        customer_penalties(company, {"penalty_mode": "fixed"}, "C1")


def test_confirmed_half_years_are_no_longer_provisional(tmp_path: Path) -> None:
    """C. monétaire et financier L313-2 (legal rate per half-year, arrêté in the JO) and C. com. L441-10 II (ECB
    rate of 1 July): once the operator confirms 2026-H2, a formal notice may claim penalties at its rates."""
    terms = parse_penalties({}, "acme.toml")
    dues = [date(2026, 10, 1)]
    assert provisional_rates(terms, "formal_notice", dues, date(2026, 11, 4)) == ("2026-H2",)
    assert provisional_rates(terms, "first_reminder", dues, date(2026, 11, 4)) == ()
    warning = rates_warning(terms.book, date(2026, 11, 4))
    assert warning is not None and "2026-H2 are provisional" in warning
    assert "stop before 2027-H1" in (rates_warning(terms.book, date(2027, 1, 4)) or "")
    confirmed = parse_penalties({"confirm": {"2026-H2": True}}, "acme.toml")
    assert provisional_rates(confirmed, "formal_notice", dues, date(2026, 11, 4)) == ()
    assert rates_warning(confirmed.book, date(2026, 11, 4)) is None
    file = tmp_path / "rates.toml"
    file.write_text('[confirm.2026-H2]\necb = "2.00"\n', encoding="utf-8")
    book, halves = deployment_rates(file)
    assert book is not None and halves == ("2026-H2",) and book.ecb_on(date(2026, 8, 1)).rate == D("2.00")
    on_it = parse_penalties({}, "acme.toml", base=book, confirmed=halves)
    assert provisional_rates(on_it, "legal_file", dues, date(2026, 11, 4)) == ()
    file.write_text("[rates]\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="unknown key"):
        deployment_rates(file)


def test_penalties_are_computed_for_the_levels_whose_templates_show_them() -> None:
    """C. com. L441-10 II and D441-5: the letters that claim penalties and the indemnity are the formal notice and
    the legal file; PENALTY_LEVELS must name exactly the levels whose templates print the penalties."""
    showing = set()
    for level in levels_with_templates():
        text = "".join(p.read_text(encoding="utf-8") for p in TEMPLATES.glob(f"{level}.*j2"))
        # the template variables (the word in prose, "penalties provided for by law", shows no amount)
        if re.search(r"penalties_total|penalties_block|(in|if) penalties\b|penalty_rate", text):
            showing.add(level)
    assert showing == set(PENALTY_LEVELS)


def test_the_company_file_wins_over_the_stored_settings(tmp_path: Path) -> None:
    """C. com. L441-10 II: the contract rate of the company's general terms, set in its TOML file's [penalties]
    over its stored settings (defaults < Company.settings < TOML, key by key); errors name the file and key."""
    from worker.dunning.penalty_settings import company_penalties

    (tmp_path / "acme.toml").write_text('[penalties]\nmode = "fixed"\nrate = "9.00"\n', encoding="utf-8")
    terms = company_penalties({"penalties": {"mode": "three_times_legal"}}, "acme", tmp_path)
    assert (terms.mode, terms.rate) == ("fixed", D("9.00"))
    assert company_penalties({"penalties": {"mode": "three_times_legal"}}, "other", tmp_path).mode == "three_times_legal"
    (tmp_path / "acme.toml").write_text('[penalties]\nmode = "fixed"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"acme\.toml: penalties\.mode: mode fixed needs rate"):
        company_penalties({}, "acme", tmp_path)
