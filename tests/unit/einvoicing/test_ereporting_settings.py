"""The company's e-invoicing keys this part adds (platform id, default rate, unmatched receipts) and the platform
client's configuration drawn from them."""
from __future__ import annotations

from datetime import date

import pytest

from worker.einvoices.einvoicing_settings import pa_config, parse_einvoicing
from worker.errors import ConfigurationError


def test_defaults_and_values() -> None:
    default = parse_einvoicing({})
    # receipts matched to nothing are never reported unless the company asks (an accountant's decision)
    assert (default.pa_id, default.default_vat_rate, default.ereporting_unmatched) == (None, "20.00", False)
    given = parse_einvoicing({"pa_id": "0042", "default_vat_rate": "5.5", "ereporting_unmatched": True})
    assert (given.pa_id, given.default_vat_rate, given.ereporting_unmatched) == ("0042", "5.50", True)


def test_obligation_date_by_company_size() -> None:
    """Loi 2021-1900 art. 26 as amended by loi 2023-1322 art. 91: e-invoicing and e-reporting from 2026-09-01
    for large companies and ETIs, from 2027-09-01 for SMEs and micro-companies."""
    assert parse_einvoicing({}).ereporting_start == date(2027, 9, 1)  # an SME unless told
    assert parse_einvoicing({"company_size": "large"}).ereporting_start == date(2026, 9, 1)
    assert parse_einvoicing({"company_size": "eti"}).ereporting_start == date(2026, 9, 1)
    assert parse_einvoicing({"company_size": "micro"}).ereporting_start == date(2027, 9, 1)
    assert parse_einvoicing({"ereporting_from": "2026-10-01"}).ereporting_start == date(2026, 10, 1)
    assert parse_einvoicing({"ereporting_from": date(2026, 12, 1)}).ereporting_start == date(2026, 12, 1)


def test_periods_are_monthly_or_two_monthly() -> None:
    """CGI art. 290 A and decree 2022-1299 art. 6: payment data are sent monthly or every two months."""
    assert parse_einvoicing({"ereporting_period": "bimonthly"}).ereporting_period == "bimonthly"
    with pytest.raises(ConfigurationError, match="einvoicing.ereporting_period"):
        parse_einvoicing({"ereporting_period": "quarterly"})


@pytest.mark.parametrize("raw, key", [({"pa_id": "42"}, "pa_id"), ({"pa_id": "00 42"}, "pa_id"),
                                      ({"default_vat_rate": "vingt"}, "default_vat_rate"),
                                      ({"default_vat_rate": "120"}, "default_vat_rate"),
                                      ({"ereporting_unmatched": "yes"}, "ereporting_unmatched"),
                                      ({"company_size": "big"}, "company_size"),
                                      ({"ereporting_from": "1er septembre"}, "ereporting_from")])
def test_bad_values_name_the_key(raw: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigurationError, match=f"einvoicing.{key}"):
        parse_einvoicing(raw)


def test_platform_configuration() -> None:
    assert pa_config(parse_einvoicing({})) is None
    config = pa_config(parse_einvoicing({"pa_url": "https://pa.example/api/", "pa_client_id": "lettrage",
                                         "pa_client_secret": "s"}))
    assert config is not None
    assert (config.base_url, config.token_url, config.client_id) == (
        "https://pa.example/api/", "https://pa.example/api/oauth/token", "lettrage")
    with pytest.raises(ConfigurationError, match="pa_client_secret"):
        pa_config(parse_einvoicing({"pa_url": "https://pa.example/api", "pa_client_id": "lettrage"}))
