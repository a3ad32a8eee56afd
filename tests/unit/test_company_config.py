from __future__ import annotations

from pathlib import Path

import pytest

from worker.company_config import CompanyConfig, ImportRules, load_company_config, parse_company_config
from worker.errors import ConfigurationError


def test_full_configuration() -> None:
    config = parse_company_config("""
[import]
unknown_accounts = "error"
future_days = 3

[[bank_accounts]]
iban = "FR7630006000011234567890189"
default = true

[[sources]]
type = "inbox"
path = "/data/inbox/a"
""")
    assert config.rules == ImportRules(unknown_accounts="error", currency_mismatch="error", future_days=3)
    assert config.bank_accounts[0].default and config.sources == ({"type": "inbox", "path": "/data/inbox/a"},)


@pytest.mark.parametrize(("text", "message"), [
    ("[import]\nunknown_accounts = 'maybe'", "import.unknown_accounts must be one of register, error"),
    ("[import]\nfuture_days = -1", "import.future_days"),
    ("[imports]", "unknown section(s) imports"),
    ("[[bank_accounts]]\nname = 'x'", "bank_accounts[0] needs an iban"),
    ("[[sources]]\npath = 'x'", "sources[0] needs a type"),
    ("[import", "not valid TOML"),
])
def test_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=None) as info:
        parse_company_config(text, Path("acme.toml"))
    assert str(info.value).startswith("acme.toml: ") and message in str(info.value)


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_company_config(tmp_path, "acme") == CompanyConfig()
