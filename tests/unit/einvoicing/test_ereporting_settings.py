"""The company's e-invoicing keys this part adds (platform id, default rate, unmatched receipts) and the platform
client's configuration drawn from them."""
from __future__ import annotations

import pytest

from worker.einvoices.einvoicing_settings import pa_config, parse_einvoicing
from worker.errors import ConfigurationError


def test_defaults_and_values() -> None:
    default = parse_einvoicing({})
    assert (default.pa_id, default.default_vat_rate, default.ereporting_unmatched) == (None, "20.00", True)
    given = parse_einvoicing({"pa_id": "0042", "default_vat_rate": "5.5", "ereporting_unmatched": False})
    assert (given.pa_id, given.default_vat_rate, given.ereporting_unmatched) == ("0042", "5.50", False)


@pytest.mark.parametrize("raw, key", [({"pa_id": "42"}, "pa_id"), ({"pa_id": "00 42"}, "pa_id"),
                                      ({"default_vat_rate": "vingt"}, "default_vat_rate"),
                                      ({"default_vat_rate": "120"}, "default_vat_rate"),
                                      ({"ereporting_unmatched": "yes"}, "ereporting_unmatched")])
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
