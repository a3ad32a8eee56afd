"""Property: lines written out as CSV under a user profile (every decimal/thousands/date/debit style the
profiles support) parse back to the same lines."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.csv_profiles import load_profiles, profile_name
from connectors.csvfile import CsvParser

# (decimal, thousands written, thousands declared)
SEPARATORS = [(",", " ", " "), (",", "\u00a0", " "), (",", ".", "."), (",", "", ""), (".", ",", ","),
              (".", "", ""), (",", ".", " .")]
DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y %H:%M:%S", "%Y%m%d"]
AMOUNT_MODES = ["signed", "debit-positive", "debit-negative"]
DELIMITERS = [";", ",", "\t", "|"]

words = st.text(alphabet="ABCdéf0123456789-/'\";,.&ÉÇœ", min_size=1, max_size=8)
labels = st.lists(words, min_size=1, max_size=4).map(" ".join)
amounts = st.decimals(min_value=Decimal("-9999999.99"), max_value=Decimal("9999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)
rows = st.lists(st.tuples(st.dates(date(1990, 1, 1), date(2060, 12, 31)), amounts, labels), min_size=1, max_size=12)


def profile_toml(decimal: str, thousands: str, fmt: str, mode: str, delimiter: str) -> str:
    columns = 'amount = "Somme"' if mode == "signed" else 'debit = "Sortie"\ncredit = "Entrée"'
    header = '"Jour op", "Texte", "Somme"' if mode == "signed" else '"Jour op", "Texte", "Sortie", "Entrée"'
    return f'''
[[profile]]
name = "test-profile"
bank = "Banque Test"
delimiter = "{'tab' if delimiter == chr(9) else delimiter}"
decimal = "{decimal}"
thousands = "{thousands}"
date_formats = ["{fmt}"]
debit_positive = {'true' if mode == 'debit-positive' else 'false'}
header = [{header}]

[profile.columns]
date = "Jour op"
label = ["Texte"]
{columns}
'''


def render(value: Decimal, decimal: str, thousands: str) -> str:
    whole, _, frac = format(abs(value), "f").partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    body = thousands.join([whole, *groups])
    return ("-" if value < 0 else "") + body + decimal + frac


@settings(database=None, max_examples=150, deadline=None)
@given(rows, st.sampled_from(SEPARATORS), st.sampled_from(DATE_FORMATS), st.sampled_from(AMOUNT_MODES),
       st.sampled_from(DELIMITERS))
def test_csv_written_with_a_profile_reads_back(data: list[tuple[date, Decimal, str]],
                                               seps: tuple[str, str, str], fmt: str, mode: str,
                                               delimiter: str) -> None:
    decimal, written, declared = seps
    if fmt == "%d/%m/%y":
        data = [(d.replace(year=2000 + d.year % 100) if d.year % 100 < 69 else d.replace(year=1900 + d.year % 100),
                 a, t) for d, a, t in data]
    (profile,) = load_profiles(profile_toml(decimal, declared, fmt, mode, delimiter))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["Jour op", "Texte", "Somme"] if mode == "signed" else ["Jour op", "Texte", "Sortie", "Entrée"])
    for day, amount, text in data:
        when = datetime.combine(day, time(9, 30, 5)).strftime(fmt)
        if mode == "signed":
            writer.writerow([when, text, render(amount, decimal, written)])
        elif amount < 0:
            debit = -amount if mode == "debit-positive" else amount
            writer.writerow([when, text, render(debit, decimal, written), ""])
        else:
            writer.writerow([when, text, "", render(amount, decimal, written)])
    pf = CsvParser(profiles=[profile]).parse(out.getvalue().encode("utf-8"), "prop.csv")
    assert profile_name(pf.warnings) == "test-profile"
    got = [(ln.booked_on, ln.amount, ln.text) for s in pf.statements for ln in s.lines]
    assert got == data
    refs = [ln.bank_ref for s in pf.statements for ln in s.lines]
    assert len(set(refs)) == len(refs)
