"""E-invoices of the demo: a few of the demo's own invoices to business customers, issued again as the
reform wants them (Factur-X PDF, CII and UBL XML, services with VAT on receipt), for the same number,
customer, amount, dates and payment reference as in ``factures.csv``, so reconciling them gives the same
result and the statuses (212 « Encaissée ») the company would send can be shown.

Pure and deterministic: the CSV and the truth in, files out; no clock, no environment.
"""
from __future__ import annotations

import csv
import io
import zlib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from einvoicing.builders import InvoiceSpec, LineSpec, PartySpec, cents
from einvoicing.builders.cii import build_cii
from einvoicing.builders.facturx import build_facturx
from einvoicing.builders.samples import SELLER
from einvoicing.builders.ubl import build_ubl
from worker.demo.customers import COMPANY_IBAN

#: the demo company's SIREN (the seller of its e-invoices), also set as its [einvoicing] siren
DEMO_SIREN = SELLER.siren
_FORMS = {"SARL", "SAS", "SA", "EURL", "SASU", "SCI", "SNC"}
_KINDS = ("facturx", "cii", "ubl")


def luhn_siren(seed: str) -> str:
    """A nine-digit SIREN with a valid Luhn key, derived from ``seed`` (a customer ref)."""
    body = f"{zlib.crc32(seed.encode()) % 10**8:08d}"
    for last in range(10):
        digits = [int(c) for c in body + str(last)]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
        if total % 10 == 0:
            return body + str(last)
    raise AssertionError("unreachable: one key digit always completes a Luhn number")


def lines_for(total: Decimal) -> tuple[LineSpec, ...]:
    """Invoice lines at 20 % whose total with VAT is exactly ``total`` (rounded per EN 16931), with a 0.01
    line at 5.5 % (VAT 0.00) when no net amount at 20 % alone lands on it."""
    start = (total / Decimal("1.2")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for delta in range(-3, 4):
        net = start + Decimal(delta) / 100
        with_vat = net + cents(net * Decimal("0.2"))
        if with_vat == total:
            return (LineSpec("Prestation d'eclairage", Decimal(1), net),)
        if with_vat == total - Decimal("0.01"):
            return (LineSpec("Prestation d'eclairage", Decimal(1), net),
                    LineSpec("Frais de dossier", Decimal(1), Decimal("0.01"), rate=Decimal("5.50")))
    raise ValueError(f"no lines add up to {total}")


def _rows(invoices_csv: Path) -> dict[str, dict[str, str]]:
    text = invoices_csv.read_text(encoding="utf-8")
    return {r["number"]: r for r in csv.DictReader(io.StringIO(text))}


def _business(row: dict[str, str]) -> bool:
    return bool(_FORMS & set(row["customer_name"].upper().replace(".", " ").split()))


def pick(rows: dict[str, dict[str, str]], truth: dict[str, Any], count: int = 6) -> list[str]:
    """Invoices to reissue: business customers' ones paid in full, paid in part and not paid yet."""
    groups = [sorted(truth.get("paid", [])), sorted(truth.get("instalments", {})), sorted(truth.get("unpaid", []))]
    wanted = (count - 2, 1, 1)
    chosen: list[str] = []
    for numbers, n in zip(groups, wanted):
        chosen += [x for x in numbers if x in rows and _business(rows[x])][:n]
    return chosen


def spec_for(row: dict[str, str]) -> InvoiceSpec:
    buyer = PartySpec(row["customer_name"], luhn_siren(row["customer_ref"]), identifier=row["customer_ref"],
                      email=row["customer_email"] or None)
    return InvoiceSpec(
        number=row["number"], issued_on=date.fromisoformat(row["issued_on"]),
        due_on=date.fromisoformat(row["due_on"]), seller=SELLER, buyer=buyer,
        lines=lines_for(Decimal(row["amount"])), framework="S1", vat_point="receipt",
        payment_reference=row["payment_reference"] or None, payee_iban=COMPANY_IBAN,
    )


def write_einvoices(dest: Path, invoices_csv: Path, truth: dict[str, Any]) -> list[Path]:
    """Writes the demo's e-invoices into ``dest`` and returns their paths (Factur-X, CII, UBL in turn)."""
    dest.mkdir(parents=True, exist_ok=True)
    rows = _rows(invoices_csv)
    paths = []
    for i, number in enumerate(pick(rows, truth)):
        spec = spec_for(rows[number])
        kind = _KINDS[i % len(_KINDS)]
        if kind == "facturx":
            path, data = dest / f"{number}.pdf", build_facturx(spec)
        else:
            path, data = dest / f"{number}-{kind}.xml", (build_cii if kind == "cii" else build_ubl)(spec)
        path.write_bytes(data)
        paths.append(path)
    return paths
