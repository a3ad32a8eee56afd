"""Line identity: overlapping statements never count a line twice, genuine identical payments stay two.

A line is its bank account plus the bank's id when the bank gives one (CAMT AcctSvcrRef),
otherwise its booking date, amount, counterparty and text plus an occurrence number within
the same day and statement (CSV). Run through the CLI, on SQLite and on the real PostgreSQL.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors._common import RefDeriver, normalise_for_ref
from tests.factories import COMPANY_IBAN, Camt053, Payment

OTHER_IBAN = "FR7610107001011234567890129"


@dataclass(frozen=True)
class Row:
    booked_on: date
    amount: str
    payer: str
    text: str


def january_and_february() -> tuple[list[Row], list[Row]]:
    """1-31 January and 15 January-15 February, the overlap being whole days; on 20 January a customer
    genuinely pays the same invoice amount twice, with the same label."""
    rows = [Row(date(2026, 1, 1) + timedelta(days=d), f"{100 + d}.{d:02d}", f"CLIENT {d % 5}", f"FACTURE FA-{d:03d}")
            for d in range(0, 46, 3)]
    twin = Row(date(2026, 1, 20), "250.00", "SARL ÉTÉ", "VIR SEPA ACOMPTE MARS")
    rows += [twin, twin, Row(date(2026, 1, 20), "-12.50", "BOULANGERIE", "CARTE 19/01")]
    rows.sort(key=lambda r: r.booked_on)
    first = [r for r in rows if r.booked_on <= date(2026, 1, 31)]
    second = [r for r in rows if date(2026, 1, 15) <= r.booked_on <= date(2026, 2, 15)]
    return first, second


def csv_file(rows: list[Row]) -> bytes:
    """A French bank's CSV export: no transaction id column."""
    lines = ["Date;Libellé;Contrepartie;Montant;Devise"]
    lines += [f"{r.booked_on:%d/%m/%Y};{r.text};{r.payer};{r.amount.replace('.', ',')};EUR" for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def camt_file(rows: list[Row], statement_id: str) -> bytes:
    """CAMT.053 with the bank's id on every entry (the twins have ids of their own)."""
    ids: Counter[tuple[date, str]] = Counter()
    payments = []
    for r in rows:
        n = ids[r.booked_on, r.amount]
        ids[r.booked_on, r.amount] += 1
        payments.append(Payment(f"BQ-{r.booked_on:%m%d}-{r.amount}-{n}", r.booked_on, Decimal(r.amount), r.payer,
                                r.text))
    return Camt053(payments, statement_id=statement_id).render()


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def listed(cli: Any) -> Counter[tuple[str, str, str, str]]:
    return Counter((ln["booked_on"], ln["amount"], ln["counterparty"], ln["text"])
                   for ln in cli.json("statements", "list"))


def expected(rows: list[Row]) -> Counter[tuple[str, str, str, str]]:
    return Counter((r.booked_on.isoformat(), r.amount, r.payer, r.text) for r in rows)


def test_overlapping_csv_without_bank_ids_stores_each_line_once(cli: Any, tmp_path: Path) -> None:
    first, second = january_and_february()
    everything = {*first, *second}
    [jan] = cli.json("statements", "import", write(tmp_path / "janvier.csv", csv_file(first)),
                     "--account", COMPANY_IBAN)
    assert (jan["status"], jan["lines_added"], jan["lines_skipped"]) == ("imported", len(first), 0)
    [feb] = cli.json("statements", "import", write(tmp_path / "fevrier.csv", csv_file(second)),
                     "--account", COMPANY_IBAN)
    overlap = [r for r in second if r.booked_on <= date(2026, 1, 31)]
    assert (feb["status"], feb["lines_added"], feb["lines_skipped"]) == (
        "imported", len(second) - len(overlap), len(overlap))
    stored = listed(cli)
    assert stored == expected(first) + expected([r for r in second if r.booked_on > date(2026, 1, 31)])
    assert set(stored) == {(r.booked_on.isoformat(), r.amount, r.payer, r.text) for r in everything}
    twin = ("2026-01-20", "250.00", "SARL ÉTÉ", "VIR SEPA ACOMPTE MARS")
    assert stored[twin] == 2  # two genuine identical payments on one day stay two


def test_overlapping_csv_in_another_order_still_stores_each_line_once(cli: Any, tmp_path: Path) -> None:
    first, second = january_and_february()
    cli.json("statements", "import", write(tmp_path / "janvier.csv", csv_file(first)), "--account", COMPANY_IBAN)
    [again] = cli.json("statements", "import", write(tmp_path / "fevrier.csv", csv_file(list(reversed(second)))),
                       "--account", COMPANY_IBAN)
    assert again["lines_skipped"] == sum(1 for r in second if r.booked_on <= date(2026, 1, 31))
    assert sum(listed(cli).values()) == len(first) + sum(1 for r in second if r.booked_on > date(2026, 1, 31))


def test_the_same_lines_on_two_accounts_are_two_accounts_lines(cli: Any, tmp_path: Path) -> None:
    first, _ = january_and_february()
    data = csv_file(first)
    cli.json("statements", "import", write(tmp_path / "a.csv", data), "--account", COMPANY_IBAN)
    [other] = cli.json("statements", "import", write(tmp_path / "b.csv", data + b"\r\n"), "--account", OTHER_IBAN)
    assert (other["lines_added"], other["lines_skipped"]) == (len(first), 0)
    accounts = Counter(ln["account"] for ln in cli.json("statements", "list"))
    assert accounts == {COMPANY_IBAN: len(first), OTHER_IBAN: len(first)}


def test_overlapping_camt_with_bank_ids_stores_each_line_once(cli: Any, tmp_path: Path) -> None:
    first, second = january_and_february()
    [jan] = cli.json("statements", "import", write(tmp_path / "janvier.xml", camt_file(first, "STMT-JAN")))
    assert (jan["format"], jan["lines_added"]) == ("camt.053", len(first))
    [feb] = cli.json("statements", "import", write(tmp_path / "fevrier.xml", camt_file(second, "STMT-FEB")))
    overlap = sum(1 for r in second if r.booked_on <= date(2026, 1, 31))
    assert (feb["lines_added"], feb["lines_skipped"]) == (len(second) - overlap, overlap)
    stored = listed(cli)
    assert stored[("2026-01-20", "250.00", "SARL ÉTÉ", "VIR SEPA ACOMPTE MARS")] == 2
    assert sum(stored.values()) == len({*first, *second}) + 1  # the twins count as two
    refs = [ln["bank_ref"] for ln in cli.json("statements", "list")]
    assert len(refs) == len(set(refs)) and all(r.startswith("BQ-") for r in refs)


# -- the derived id itself -------------------------------------------------------------------------------
def test_derived_id_of_a_line_without_counterparty_is_the_earlier_one() -> None:
    """Lines stored before the counterparty joined the identity keep their ids: no duplicate on re-import."""
    payload = "\x1f".join(("2026-01-20", "250", normalise_for_ref("VIR SEPA Été"), "0")).encode()
    earlier = f"csv:{hashlib.sha256(payload).hexdigest()[:24]}"
    assert RefDeriver("csv").derive(date(2026, 1, 20), Decimal("250.00"), "VIR  SEPA ÉTÉ") == earlier


def test_derived_id_counts_occurrences_per_statement_and_content() -> None:
    derive = RefDeriver("csv")
    day, amount = date(2026, 1, 20), Decimal("250.00")
    a0 = derive.derive(day, amount, "ACOMPTE", "SARL ÉTÉ", scope="acc-1")
    a1 = derive.derive(day, amount, "ACOMPTE", "SARL ÉTÉ", scope="acc-1")
    other_payer = derive.derive(day, amount, "ACOMPTE", "SAS AUTOMNE", scope="acc-1")
    other_statement = derive.derive(day, amount, "ACOMPTE", "sarl ete", scope="acc-2")
    assert len({a0, a1, other_payer}) == 3
    # Another statement counts on its own: its first such line is occurrence 0 again (same id as a0).
    assert other_statement == a0
    # An overlapping statement re-read yields the same ids in the same order.
    again = RefDeriver("csv")
    assert [again.derive(day, amount, "ACOMPTE", "SARL ÉTÉ", scope="x") for _ in range(2)] == [a0, a1]
    # A payer with a different name is another line, whatever the order of the lines.
    swapped = RefDeriver("csv")
    assert swapped.derive(day, amount, "ACOMPTE", "SAS AUTOMNE") == other_payer
    assert swapped.derive(day, amount, "ACOMPTE", "SARL ÉTÉ") == a0


def test_csv_with_two_accounts_counts_occurrences_per_account(cli: Any, tmp_path: Path) -> None:
    """The same movement on two accounts in one export, then the second account alone: stored once per account."""
    row = "20/01/2026;VIR SEPA ACOMPTE;SARL ÉTÉ;250,00;EUR;{iban}"
    header = "Date;Libellé;Contrepartie;Montant;Devise;IBAN"
    both = "\r\n".join([header, row.format(iban=COMPANY_IBAN), row.format(iban=OTHER_IBAN)]) + "\r\n"
    alone = "\r\n".join([header, row.format(iban=OTHER_IBAN), "21/01/2026;CARTE;CAFE;-3,00;EUR;" + OTHER_IBAN])
    cli.json("statements", "import", write(tmp_path / "both.csv", both.encode()))
    [second] = cli.json("statements", "import", write(tmp_path / "alone.csv", (alone + "\r\n").encode()))
    assert (second["lines_added"], second["lines_skipped"]) == (1, 1)
