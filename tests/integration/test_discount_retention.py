"""An invoice's early-payment discount and retention money, from the billing export to the plan (issue 19, item 4),
through the command line on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Camt053, Payment

HEADER = ("number,customer_ref,customer_name,customer_email,amount,issued_on,due_on,customer_address,"
          "discount_rate,discount_days,discount_until,retention_rate,reception_on")
ROWS = [
    # 2 % if paid within 10 days (by 2026-09-11)
    ('FA-2026-02001,C200,"Menuiserie Garnier",compta@garnier.example.fr,1200.00,2026-09-01,2026-10-31,'
     '"3 rue Neuve|69002 Lyon",2,10,,,'),
    ('FA-2026-02002,C201,"Plomberie Roux",compta@roux.example.fr,1000.00,2026-09-01,2026-10-01,'
     '"5 quai Est|69007 Lyon",2,,2026-09-11,,'),
    # works: 5 % withheld, the works received on 2026-08-28: released on 2027-08-28
    ('FA-2026-02003,C202,"SCI Les Tilleuls",gestion@tilleuls.example.fr,12000.00,2026-09-01,2026-10-01,'
     '"8 place Bellecour|69002 Lyon",,,,5,2026-08-28'),
    ('FA-2026-02004,C203,"Garage Dubois",compta@dubois.example.fr,300.00,2026-09-01,2026-10-01,'
     '"1 rue Haute|69001 Lyon",,,,,'),
]
AS_OF = "2026-11-25"  # a Wednesday, a French business day


@pytest.fixture
def loaded(cli: Any, tmp_path: Path) -> Any:
    camt = Camt053([
        Payment("BQ-1", date(2026, 9, 10), Decimal("1176.00"), "MENUISERIE GARNIER", "FACTURE FA-2026-02001"),
        Payment("BQ-2", date(2026, 9, 15), Decimal("980.00"), "PLOMBERIE ROUX", "FACTURE FA-2026-02002"),
        Payment("BQ-3", date(2026, 9, 25), Decimal("11400.00"), "SCI LES TILLEULS", "FACTURE FA-2026-02003"),
    ])
    (tmp_path / "invoices.csv").write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    (tmp_path / "camt.xml").write_bytes(camt.render())
    cli.json("invoices", "import", str(tmp_path / "invoices.csv"))
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match") == {"auto": 3, "review": 0, "unmatched": 0}
    return cli


def test_a_discount_within_its_period_settles_after_it_the_shortfall_is_chased(loaded: Any) -> None:
    """C. com. art. L441-9 I (conditions d'escompte): paid within the period less the 2 % discount, the invoice is
    settled and the discount written off (kind ``discount``, PCG 665), the reason stating the VAT consequence
    (CGI art. 267 II-1°, 272-1); paid after the period, the discount is not due and the 20.00 left is chased."""
    matches = {m["invoice"]: m for m in loaded.json("matches", "list")}
    within = matches["FA-2026-02001"]
    assert (within["allocated"], within["write_off"], within["write_off_kind"]) == ("1176.00", "24.00", "discount")
    assert any("within the discount period" in r and "CGI art. 267" in r for r in within["reasons"])
    late = matches["FA-2026-02002"]
    assert (late["write_off"], late["write_off_kind"]) == ("0.00", None)
    assert any("after the discount period ended on 2026-09-11" in r for r in late["reasons"])
    status = {i["number"]: (i["status"], i["open"]) for i in loaded.json("invoices", "list")}
    assert status["FA-2026-02001"] == ("paid", "0.00")
    assert status["FA-2026-02002"] == ("partially_paid", "20.00")
    chased = {n: p["amount_due"] for p in loaded.json("reminders", "plan", "--as-of", AS_OF) for n in p["invoices"]}
    assert "FA-2026-02001" not in chased and "FA-2026-02002" in chased


def test_the_worklist_asks_for_the_discounts_credit_note_until_one_names_the_invoice(loaded: Any,
                                                                                     tmp_path: Path) -> None:
    """CGI art. 267 II-1°: an escompte is out of the VAT base; art. 272-1: the VAT collected is reduced only on a
    rectified invoice. The discount granted is put before a person (action ``discount_credit_note``) until a credit
    note names the invoice; nothing is computed silently."""
    def rows() -> list[Any]:
        return [w for w in loaded.json("worklist", "--as-of", "2026-10-15") if w["action"] == "discount_credit_note"]

    [row] = rows()
    assert (row["invoices"], row["outstanding"]) == (["FA-2026-02001"], "0.00")
    assert row["reason"].startswith("early-payment discount 24.00 granted on FA-2026-02001 (paid 2026-09-10)")
    assert "CGI art. 267 II-1°" in row["reason"]
    (tmp_path / "avoir.csv").write_text("number,customer_ref,amount,issued_on,due_on,kind,credit_note_for\n"
                                        "AV-2026-0001,C200,-24.00,2026-09-12,2026-09-12,credit_note,FA-2026-02001\n",
                                        encoding="utf-8")
    loaded.json("invoices", "import", str(tmp_path / "avoir.csv"))
    assert rows() == []


def test_retention_money_is_not_chased_before_its_release_then_claimed(loaded: Any) -> None:
    """Loi n° 71-584 du 16 juillet 1971, art. 1 and 2: the 5 % withheld is not due before its release a year after
    reception: the payment of the rest settles it exactly without a write-off, no reminder asks for the 600.00
    before 2027-08-28; from then, a person is told to claim it and it enters the plan."""
    match = next(m for m in loaded.json("matches", "list") if m["invoice"] == "FA-2026-02003")
    assert (match["allocated"], match["write_off"], match["write_off_kind"]) == ("11400.00", "0.00", None)
    plan = loaded.json("reminders", "plan", "--as-of", AS_OF)
    assert "FA-2026-02003" not in {n for p in plan for n in p["invoices"]}
    assert "FA-2026-02004" in {n for p in plan for n in p["invoices"]}  # the rest is chased as usual
    held = {h["invoice"]: h for h in loaded.json("reminders", "plan", "--held", "--as-of", AS_OF)}
    assert "retenue de garantie" in held["FA-2026-02003"]["reason"]
    assert held["FA-2026-02003"]["held_until"] == "2027-08-27"

    released = [w for w in loaded.json("worklist", "--as-of", "2027-08-30") if w["action"] == "claim_retention"]
    assert [(w["invoices"], w["outstanding"]) for w in released] == [(["FA-2026-02003"], "600.00")]
    assert "retention of FA-2026-02003 released on 2027-08-28: claim it" in released[0]["reason"]
    later = loaded.json("reminders", "plan", "--as-of", "2027-09-15")
    asked = {n: p["amount_due"] for p in later for n in p["invoices"]}
    assert asked.get("FA-2026-02003") == "600.00"
