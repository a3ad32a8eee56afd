"""One resolved company configuration (worker.company_setup): defaults < stored settings < TOML file, key by
key inside each section; the file parsed once per (path, mtime, size); errors naming the file and the key."""
from __future__ import annotations

import os
import time
from decimal import Decimal
from pathlib import Path

import pytest

from worker import company_config
from worker.company_config import ImportRules, load_company_config
from worker.company_setup import resolve_company
from worker.errors import ConfigurationError
from worker.statements.statement_checks import company_rules

SIREN, OTHER_SIREN = "732829320", "552120222"  # valid control keys


def _write(folder: Path, text: str, ref: str = "acme") -> Path:
    path = folder / f"{ref}.toml"
    path.write_text(text, "utf-8")
    return path


def _age(path: Path, seconds: int = 3600) -> None:
    """Sets the file's times in the past, as a file written long before the run."""
    then = time.time() - seconds
    os.utime(path, (then, then))


# -- precedence, section by section --------------------------------------------------------------------------
def test_import_rules_merge_key_by_key(tmp_path: Path) -> None:
    stored = {"unknown_accounts": "error", "currency_mismatch": "warn", "future_days": 5}
    assert resolve_company(None, tmp_path, "acme").import_rules == ImportRules()
    assert resolve_company(stored, tmp_path, "acme").import_rules == ImportRules("error", "warn", 5)
    _write(tmp_path, "[import]\nfuture_days = 2\n")
    assert resolve_company(stored, tmp_path, "acme").import_rules == ImportRules("error", "warn", 2)
    assert resolve_company(None, tmp_path, "acme").import_rules == ImportRules(future_days=2)


def test_statement_import_rules_keep_a_stored_rule_the_file_leaves_out(tmp_path: Path) -> None:
    """Regression: a TOML file setting only ``future_days`` used to replace the whole [import] section, losing
    the stored ``unknown_accounts = "error"`` (statement_checks.company_rules took the file's rules whole)."""
    _write(tmp_path, "[import]\nfuture_days = 3\n")
    assert company_rules({"unknown_accounts": "error"}, tmp_path, "acme") == ImportRules(
        unknown_accounts="error", future_days=3)


def test_matching_and_hold_days_merge_key_by_key(tmp_path: Path) -> None:
    stored = {"auto_threshold": "0.8", "bank_fee_max": "10", "hold_days": 4, "dunning_policy": "x"}
    plain = resolve_company(stored, tmp_path, "acme")
    assert plain.matching == {"auto_threshold": "0.8", "bank_fee_max": "10", "hold_days": 4}
    assert plain.hold_days == 4
    assert resolve_company(None, tmp_path, "acme").hold_days == 10
    _write(tmp_path, "[matching]\nauto_threshold = 0.95\nhold_days = 7\n")
    both = resolve_company(stored, tmp_path, "acme")
    config = both.match_config("2.00")
    assert (config.auto_threshold, config.bank_fee_max, config.amount_tolerance) == (0.95, Decimal(10), Decimal("2.00"))
    assert config.review_threshold == 0.40  # the product's default
    assert both.hold_days == 7


def test_einvoicing_merges_key_by_key(tmp_path: Path) -> None:
    stored = {"einvoicing": {"siren": SIREN, "vat_regime": "debits", "announced_payment_days": 5}}
    assert resolve_company(stored, tmp_path, "acme").einvoicing.siren == SIREN
    _write(tmp_path, f'[einvoicing]\nsiren = "{OTHER_SIREN}"\nannounced_payment_days = 2\n')
    merged = resolve_company(stored, tmp_path, "acme").einvoicing
    assert (merged.siren, merged.vat_regime, merged.announced_payment_days) == (OTHER_SIREN, "debits", 2)
    assert merged.ereporting_period == "monthly"  # the product's default


def test_behaviour_merges_key_by_key_and_without_folder_reads_no_file(tmp_path: Path) -> None:
    stored = {"behaviour": {"window_days": 200, "moves": False}}
    _write(tmp_path, "[behaviour]\nwindow_days = 100\ntrend_days = 30\n")
    merged = resolve_company(stored, tmp_path, "acme").behaviour
    assert (merged.window_days, merged.trend_days, merged.moves, merged.min_paid_invoices) == (100, 30, False, 3)
    assert resolve_company(stored, None, "acme").behaviour.window_days == 200


def test_weekly_report_merges_key_by_key(tmp_path: Path) -> None:
    stored = {"weekly_report": {"recipients": ["gerant@atelier.example.fr"], "hour": 6}}
    assert resolve_company(stored, tmp_path, "acme").weekly_report.hour == 6
    _write(tmp_path, '[weekly_report]\nhour = 9\nlanguage = "en"\n')
    merged = resolve_company(stored, tmp_path, "acme").weekly_report
    assert (merged.recipients, merged.hour, merged.language, merged.weekday) == (
        ("gerant@atelier.example.fr",), 9, "en", 1)


def test_documents_merge_key_by_key_relative_to_the_file(tmp_path: Path) -> None:
    stored = {"documents": {"allow_hosts": ["files.example"], "folder": "/srv/old"}}
    assert resolve_company(stored, tmp_path, "acme").documents.folder == Path("/srv/old")
    _write(tmp_path, '[documents]\nfolder = "pdf"\n')
    merged = resolve_company(stored, tmp_path, "acme").documents
    assert (merged.folder, merged.allow_hosts) == (tmp_path / "pdf", ("files.example",))


def test_file_only_sections(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[bank_accounts]]\niban = "FR7630006000011234567890189"\n'
                            '[[sources]]\ntype = "inbox"\npath = "/data/in"\n')
    resolved = resolve_company({}, tmp_path, "acme")
    assert resolved.path == path and resolved.bank_accounts[0].iban == "FR7630006000011234567890189"
    assert resolved.sources == ({"type": "inbox", "path": "/data/in"},) and resolved.csv_profiles == ()


# -- errors name the file and the key ---------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "section", "says"), [
    ("[matching]\nauto_threshold = 1.5\n", "match_config", "matching.auto_threshold=1.5: must be between 0 and 1"),
    ('[matching]\nhold_days = "ten"\n', "hold_days", "matching.hold_days='ten': must be a whole number"),
    ('[einvoicing]\nsiren = "123"\n', "einvoicing", "einvoicing.siren '123' is not a valid SIREN"),
    ("[behaviour]\nwindow_days = 0\n", "behaviour", "behaviour.window_days must be 1 day or more"),
    ("[weekly_report]\nhour = 24\n", "weekly_report", "weekly_report.hour must be 0 to 23"),
    ("[documents]\nallow_hosts = 3\n", "documents", "documents.allow_hosts must be a list"),
])
def test_a_bad_value_in_the_file_names_the_file_and_the_key(tmp_path: Path, text: str, section: str,
                                                            says: str) -> None:
    path = _write(tmp_path, text)
    resolved = resolve_company({}, tmp_path, "acme")
    with pytest.raises(ConfigurationError) as caught:
        value = getattr(resolved, section)
        if callable(value):
            value()
    assert str(caught.value).startswith(f"{path}: ") and says in str(caught.value)


def test_a_bad_stored_value_names_the_company_setting(tmp_path: Path) -> None:
    _write(tmp_path, "[matching]\nauto_threshold = 0.9\n")
    resolved = resolve_company({"hold_days": "ten", "review_threshold": 2}, tmp_path, "acme")
    with pytest.raises(ConfigurationError, match=r"^company setting hold_days='ten'"):
        _ = resolved.hold_days
    with pytest.raises(ConfigurationError, match=r"^company setting review_threshold=2: must be between"):
        resolved.match_config()
    with pytest.raises(ConfigurationError, match="company acme: setting einvoicing must be a table"):
        _ = resolve_company({"einvoicing": "yes"}, tmp_path, "acme").einvoicing


def test_a_broken_section_does_not_stop_the_others(tmp_path: Path) -> None:
    _write(tmp_path, "[behaviour]\nwindow_days = -1\n[matching]\nhold_days = 3\n")
    resolved = resolve_company({}, tmp_path, "acme")
    assert resolved.hold_days == 3
    with pytest.raises(ConfigurationError, match="behaviour.window_days"):
        _ = resolved.behaviour


# -- the file is parsed once per (path, mtime, size) ------------------------------------------------------------
def _count(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = {"read": 0, "parse": 0}
    read, parse = company_config._read, company_config.parse_company_config

    def counted_read(path: Path) -> str:
        calls["read"] += 1
        return read(path)

    def counted_parse(text: str, path: Path | None = None) -> company_config.CompanyConfig:
        calls["parse"] += 1
        return parse(text, path)

    monkeypatch.setattr(company_config, "_read", counted_read)
    monkeypatch.setattr(company_config, "parse_company_config", counted_parse)
    return calls


def test_the_file_is_read_once_for_many_asks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _age(_write(tmp_path, "[matching]\nhold_days = 3\n"))
    calls = _count(monkeypatch)
    assert all(resolve_company({}, tmp_path, "acme").hold_days == 3 for _ in range(10_000))
    assert calls == {"read": 1, "parse": 1}


def test_a_changed_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "[matching]\nhold_days = 3\n")
    _age(path)
    calls = _count(monkeypatch)
    assert resolve_company({}, tmp_path, "acme").hold_days == 3
    path.write_text("[matching]\nhold_days = 4\n", "utf-8")  # same size, a new mtime
    assert resolve_company({}, tmp_path, "acme").hold_days == 4
    assert calls == {"read": 2, "parse": 2}
    path.unlink()
    assert resolve_company({}, tmp_path, "acme").hold_days == 10


def test_a_file_rewritten_within_the_same_timestamp_is_not_missed(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A file just written is read again on each ask (parsed again only when its text changed) until it is older
    than the file system's timestamp granularity: a rewrite keeping the mtime and size is seen.

    "Just written" compares the file's mtime with the process's clock, so the test runs at the file system's time
    (the mtime of the file it writes), whatever wall clock the session was moved to (make test-dates)."""
    import time_machine

    path = _write(tmp_path, "[matching]\nhold_days = 3\n")
    with time_machine.travel(path.stat().st_mtime_ns / 1e9, tick=True):
        calls = _count(monkeypatch)
        assert load_company_config(tmp_path, "acme").matching == {"hold_days": 3}
        stat = path.stat()
        path.write_text("[matching]\nhold_days = 5\n", "utf-8")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same mtime, as on a coarse clock
        assert load_company_config(tmp_path, "acme").matching == {"hold_days": 5}
        assert load_company_config(tmp_path, "acme").matching == {"hold_days": 5}
        assert calls == {"read": 3, "parse": 2}
