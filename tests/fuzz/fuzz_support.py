"""The fuzzing harness's parts: hypothesis settings profiles, byte mutations with hostile values, the rule
every target asserts (only the project's own errors; what a parser returns can be stored), and the count of
inputs tried per target.

``make test`` runs each target on a few derandomised examples (seconds); ``make fuzz`` sets
LETTRAGE_FUZZ_EXAMPLES (e.g. 5000) and runs them at random for that many examples each, printing the count
of inputs tried per target at the end.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from connectors.errors import ConnectorError
from connectors.model import ParsedFile
from worker.errors import LettrageError

# -- profiles ------------------------------------------------------------------------------------------------
LONG_EXAMPLES = int(os.environ.get("LETTRAGE_FUZZ_EXAMPLES") or 0)
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
           HealthCheck.large_base_example, HealthCheck.function_scoped_fixture]
# the suite's run: few examples, the same ones every time (a red test is a real, reproducible finding)
settings.register_profile("lettrage-fuzz-quick", deadline=None, derandomize=True, database=None,
                          suppress_health_check=_HEALTH, print_blob=True)
# `make fuzz`: LETTRAGE_FUZZ_EXAMPLES random examples per target; failures kept in .hypothesis/ for replay
settings.register_profile("lettrage-fuzz-long", deadline=None, max_examples=max(LONG_EXAMPLES, 1),
                          suppress_health_check=_HEALTH, print_blob=True)


def fuzz_settings(quick_examples: int) -> settings:
    """The settings of one target: ``quick_examples`` in the suite, LETTRAGE_FUZZ_EXAMPLES under `make fuzz`."""
    if LONG_EXAMPLES:
        return settings(settings.get_profile("lettrage-fuzz-long"))
    return settings(settings.get_profile("lettrage-fuzz-quick"), max_examples=quick_examples)


TRIED: Counter[str] = Counter()  # inputs tried per target, printed by conftest's terminal summary

PROJECT_ERRORS = (ConnectorError, LettrageError)

# -- mutations -----------------------------------------------------------------------------------------------
HUGE_NUMBERS = [
    b"999999999999999", b"999999999999999.99", b"-999999999999999", b"99999999999999999999999999",
    b"922337203685477.5808", b"1000000000000", b"0.123456789", b"1.12345", b"-0.00001", b"1e20", b"1E+999999",
    b"9" * 5000, b"0" * 40 + b"1", b"1.000.000,123456", b"1,999999", b"NaN", b"Infinity", b"-",
]
HOSTILE = HUGE_NUMBERS + [
    b"\x00", b"\x00\x00\x00\x00", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x81", b"\x8d\x8f\x90\x9d",
    b"\xed\xa0\x80",  # a UTF-8 encoded surrogate
    b"\xc3", "é€ü".encode("cp1252"), "é€ü".encode("utf-16"), b"\r", b"\r\n", b"\n\n\n", b"\t=1+1", b'"', b'""',
    b",", b";", b"|", b"\t", b"'", b"\\", b"\x1b[31m", b"<", b">", b"&", b"&#0;", b"&#x1F600;", b"]]>",
    b"<![CDATA[", b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", b"<STMTTRN>" * 200, b"<a>" * 3000, b"[" * 3000,
    b"{" * 3000, b":61:", b":60F:", b":62F:C991231EUR", b":86:", b"x" * 140_000, b"1" * 140_000,
    b"2026-02-30", b"9999-12-31", b"0000-00-00", b"31/12/9999", b"20261399", b"-1", b"\xa0", "\u202f".encode(),
]
_NUMBER = re.compile(rb"-?\d+(?:[.,]\d+)?")
_ENCODINGS = ["utf-16", "utf-16-be", "utf-8-sig", "cp1252", "latin-1", "utf-32"]


@dataclass(frozen=True)
class Mutation:
    """One change to a file's bytes: ``op`` at ``at`` (taken modulo the length) with ``value``."""

    op: str
    at: int
    value: Any = None

    def apply(self, data: bytes) -> bytes:
        size = len(data)
        at = self.at % (size + 1)
        if self.op == "flip":
            return data[:at] + bytes([data[at] ^ self.value]) + data[at + 1:] if at < size else data
        if self.op == "truncate":
            return data[:at]
        if self.op == "insert":
            return data[:at] + self.value + data[at:]
        if self.op == "delete":
            return data[:at] + data[at + self.value:]
        if self.op == "number":  # a number of the file replaced by a hostile one
            found = list(_NUMBER.finditer(data))
            if not found:
                return data[:at] + self.value + data[at:]
            m = found[self.at % len(found)]
            return data[:m.start()] + self.value + data[m.end():]
        if self.op == "line":  # a line repeated many times
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            line = data[start:(size if end < 0 else end + 1)]
            times = min(self.value, 2_000_000 // max(len(line), 1))  # at most about 2 MB more
            return data[:start] + line * times + data[start:]
        if self.op == "reencode":
            return data.decode("utf-8", errors="replace").encode(self.value, errors="replace")
        raise AssertionError(self.op)


positions = st.integers(min_value=0, max_value=2**24)
mutation = st.one_of(
    st.builds(Mutation, st.just("flip"), positions, st.integers(1, 255)),
    st.builds(Mutation, st.just("truncate"), positions),
    st.builds(Mutation, st.just("insert"), positions, st.sampled_from(HOSTILE)),
    st.builds(Mutation, st.just("delete"), positions, st.integers(1, 64)),
    st.builds(Mutation, st.just("number"), positions, st.sampled_from(HUGE_NUMBERS)),
    st.builds(Mutation, st.just("line"), positions, st.sampled_from([2, 50, 2000])),
    st.builds(Mutation, st.just("reencode"), positions, st.sampled_from(_ENCODINGS)),
)
mutations = st.lists(mutation, min_size=1, max_size=4)


def mutate(data: bytes, changes: Iterable[Mutation]) -> bytes:
    for change in changes:
        data = change.apply(data)
    return data


# -- what may be stored --------------------------------------------------------------------------------------
MONEY_LIMIT = Decimal(2**63 - 1).scaleb(-4)  # worker/db/types.Money: a BIGINT of 10^-4 units
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # PostgreSQL refuses NUL; a lone surrogate is not UTF-8


def money_problem(value: Decimal | None, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite():
        return f"{where}: {value!r} is not a finite Decimal"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4 and value != value.quantize(Decimal("0.0001")):
        return f"{where}: {value} has more than 4 decimals"
    if abs(value) > MONEY_LIMIT:
        return f"{where}: {value} does not fit the money column"
    return None


def text_problem(value: str | None, where: str, max_length: int | None = None) -> str | None:
    if value is None:
        return None
    if _UNSTORABLE.search(value):
        return f"{where}: {value[:40]!r} holds a NUL or a lone surrogate"
    if max_length is not None and len(value) > max_length:
        return f"{where}: {len(value)} characters, the column holds {max_length}"
    return None


def statement_problems(parsed: ParsedFile) -> list[str]:
    """Why what a parser returned could not be stored (worker/db/tables.py: money, lengths, characters)."""
    problems: list[str | None] = []
    for s, st_ in enumerate(parsed.statements):
        where = f"statement {s}"
        problems += [money_problem(st_.opening_balance, f"{where} opening"),
                     money_problem(st_.closing_balance, f"{where} closing"),
                     text_problem(st_.statement_id, f"{where} id", 128),
                     text_problem(st_.currency, f"{where} currency", 3),
                     text_problem(st_.account, f"{where} account")]
        for n, line in enumerate(st_.lines):
            at = f"{where} line {n} (row {line.row})"
            problems += [money_problem(line.amount, f"{at} amount"), money_problem(line.charges, f"{at} charges"),
                         text_problem(line.bank_ref, f"{at} bank_ref", 128),
                         text_problem(line.currency, f"{at} currency", 3),
                         text_problem(line.counterparty_siren, f"{at} siren", 9),
                         text_problem(line.instructed_currency, f"{at} instructed currency", 3),
                         text_problem(line.counterparty, f"{at} counterparty"),
                         text_problem(line.counterparty_iban, f"{at} counterparty iban"),
                         text_problem(line.text, f"{at} text"), text_problem(line.reference, f"{at} reference"),
                         text_problem(line.end_to_end_id, f"{at} end_to_end_id")]
    return [p for p in problems if p is not None]
