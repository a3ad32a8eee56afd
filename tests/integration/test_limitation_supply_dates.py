"""The limitation period runs from the delivery or the completion of the service (the invoice's ``delivered_on``,
BT-72), not from its issue or due date (issue 19 item 3): through the command line, the API and the e-invoice
import, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session

from worker.db.tables import Invoice

RULES = Path(__file__).resolve().parents[3] / "shared" / "standards" / "fnfe-france-rfe"
HEADER = "number,customer_ref,customer_name,amount,issued_on,due_on,delivered_on,service_period_end"


def stored(url: str) -> dict[str, Invoice]:
    engine = create_engine(url)
    with Session(engine) as session:
        found = {i.number: i for i in session.execute(select(Invoice)).scalars()}
    engine.dispose()
    return found


def limitation(plan: list[dict[str, Any]], number: str) -> list[str]:
    """The plan's limitation warnings of the invoice ``number`` (without what else its warning says)."""
    return [w.split("; ")[0] for row in plan for w in row["warnings"]
            if w.startswith(f"{number}: ") and ("limitation" in w or "time-barred" in w)]


def test_a_delivery_before_the_issue_brings_the_warning_forward(cli: Any, db_url: str, tmp_path: Path) -> None:
    """C. com. L110-4: five years between traders, counted from the delivery of the goods (C. civ. 2224; Cass.
    com. 26-02-2020 n°18-25.036), not from the invoice. Delivered 5 November 2021 and invoiced 20 December 2021,
    the claim ends on 5 November 2026: the plan of 1 September 2026 warns of it (65 days left), where the same
    invoice without its delivery date (ending 20 December 2026, 110 days left) is not warned yet; an invoicing
    period's end (BT-74) stands for the service's completion (Cass. 3e civ. 01-03-2023 n°21-23.176). A delivery
    after the issue is kept with an import warning: an invoice is issued at the delivery at the latest (C. com.
    L441-9, CGI 289 I-3)."""
    rows = [HEADER,
            "FA-2021-0501,B501,Menuiserie Blanc,1200.00,2021-12-20,2022-01-19,2021-11-05,",
            "FA-2021-0502,B502,Plomberie Noir,1200.00,2021-12-20,2022-01-19,,",
            "FA-2021-0503,B503,Conseil Vert,1200.00,2021-12-20,2022-01-19,,2021-10-31",
            "FA-2021-0504,B504,Transports Gris,1200.00,2021-12-20,2022-01-19,2021-12-28,"]
    (tmp_path / "invoices.csv").write_text("".join(f"{row}\n" for row in rows), encoding="utf-8")
    result = cli("invoices", "import", str(tmp_path / "invoices.csv"), "--json")
    assert "FA-2021-0504: delivered_on 2021-12-28 is after issued_on 2021-12-20" in result.stderr, result.stderr
    assert "FA-2021-0501" not in result.stderr
    invoices = stored(db_url)
    assert invoices["FA-2021-0501"].delivered_on == date(2021, 11, 5)
    assert invoices["FA-2021-0503"].service_period_end == date(2021, 10, 31)
    assert invoices["FA-2021-0504"].delivered_on == date(2021, 12, 28)  # kept as given
    assert invoices["FA-2021-0502"].delivered_on is None and invoices["FA-2021-0502"].service_period_end is None

    plan = cli.json("reminders", "plan", "--as-of", "2026-09-01")
    assert limitation(plan, "FA-2021-0501") == [(
        "FA-2021-0501: limitation period ends in 65 days, on 2026-11-05 (5 years after the delivery date "
        "2021-11-05, Code de commerce L110-4): act before then (court claim or acknowledgement of the debt)")], plan
    assert limitation(plan, "FA-2021-0502") == [], plan
    assert limitation(plan, "FA-2021-0504") == [], plan
    assert any("5 years after the end of the service period date 2021-10-31" in w
               for w in limitation(plan, "FA-2021-0503")), plan


def test_the_api_takes_the_supply_dates(cli: Any, db_url: str, tmp_path: Path) -> None:
    """POST /api/invoices: ``delivered_on`` and ``service_period_end`` are optional ISO dates, stored on the
    invoice; a date that is not one is refused with the row's other problems (422)."""
    from tests.integration.api_helpers import app_client, token

    client = app_client(cli, tmp_path)
    headers = token(cli, "billing", "invoices:read", "invoices:write")
    invoice = {"number": "FA-2026-0601", "customer_ref": "B601", "customer_name": "Atelier Bleu",
               "amount": "300.00", "issued_on": "2026-10-15", "due_on": "2026-11-14"}
    answer = client.post("/api/invoices", headers=headers, json={"invoices": [
        {**invoice, "delivered_on": "2026-10-02", "service_period_end": "2026-09-30"}]})
    assert answer.status_code == 200, answer.text
    row = stored(db_url)["FA-2026-0601"]
    assert (row.delivered_on, row.service_period_end) == (date(2026, 10, 2), date(2026, 9, 30))
    bad = client.post("/api/invoices", headers=headers, json={"invoices": [{**invoice, "delivered_on": "2026-13-40"}]})
    assert bad.status_code == 422 and "delivered_on" in bad.text, bad.text


def test_an_einvoice_gives_its_delivery_date(cli: Any, db_url: str, tmp_path: Path) -> None:
    """BT-72 (ActualDeliveryDate) of an e-invoice fills ``delivered_on``, from which the limitation period runs
    (C. civ. 2224; Cass. com. 26-02-2020 n°18-25.036); the CII reading is tested in
    tests/unit/test_limitation_supply.py."""
    if not (RULES / "CII").is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    from einvoicing.builders.samples import sample_spec
    from einvoicing.builders.ubl import build_ubl

    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = str(RULES)
    (tmp_path / "a.xml").write_bytes(build_ubl(sample_spec("FA-2026-0701", delivered_on=date(2026, 9, 14))))
    assert cli.json("invoices", "import", str(tmp_path / "a.xml"))["imported"] == 1
    invoices = stored(db_url)
    assert invoices["FA-2026-0701"].delivered_on == date(2026, 9, 14)
    assert invoices["FA-2026-0701"].issued_on != date(2026, 9, 14)
