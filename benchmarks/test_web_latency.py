"""The accountant's pages at the speed of a keystroke in a 100,000-invoice company (issue 18 item 4).

The company is ``benchmarks.scale``'s (20,000 customers, 100,000 invoices, a statement of 100,000 lines imported and
matched: a few thousand payments wait for review), in an SQLite file. The real app (``create_app``) answers a
signed-in accountant through FastAPI's TestClient, over HTTP in process, so each figure is the server's time for
one request (routing, session, queries, rendering) without a network. Five rounds of each request; the median is
compared with the targets: a review decision under 50 ms, the review page and an invoice search under 150 ms, the
dashboard and the worklist under 300 ms. Each decision decides another pending item (accept its first candidate).

The figures go to the terminal and to ``extra_info``; no assertion on time (a loaded machine would fail it), only on
the answers (200, or 303 after a decision). ``python -m benchmarks.test_web_latency DIR`` runs it by hand on the
case (and database) in DIR, built there on the first run.
"""
from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

# review_queue: the queue alone, as htmx asks for it (filters, pages, the next items), without the page's section
# of payments to identify (worker/reconciliation/unidentified.py, whole-company: measured apart in review_page)
TARGETS_MS = {"review_page": 150, "review_queue": 150, "decision": 50, "invoice_search": 150, "dashboard": 300,
              "worklist": 300}
ROUNDS = 5
QUEUE = 2_500  # payments waiting for review (the 20,000-invoice company had 2,477)
PASSWORD = "correct horse battery staple"
ACCOUNTANT = "bench@cabinet.example.fr"
TODAY = date(2026, 6, 30)  # the scale case's statement ends in mid-2026


def build_company(folder: Path) -> str:
    """The scale case imported and matched into ``folder``/scale.db (once), with an accountant; its URL."""
    from benchmarks.scale import run, write_scale_case
    from worker.access.companies import resolve_company
    from worker.access.users import add_user
    from worker.db.engine import engine_for
    from worker.db.uow import unit_of_work

    url = f"sqlite:///{folder / 'scale.db'}"
    if not (folder / "scale.db").exists():
        write_scale_case(folder)
        run(url, folder)
    add_review_queue(url)
    with unit_of_work(engine_for(url)) as session:
        from sqlalchemy import select
        from sqlmodel import col

        from worker.db.user_tables import User

        if session.execute(select(User).where(col(User.email) == ACCOUNTANT)).first() is None:
            add_user(session, resolve_company(session, None), ACCOUNTANT, "accountant", PASSWORD, locale="fr")
    return url


def add_review_queue(url: str, payments: int = QUEUE) -> None:
    """A second statement whose ``payments`` transfers each pay what an open invoice owes, from payers nobody
    knows, citing nothing: the matcher cannot be sure and they wait for review (the scale case's own payments are
    all decided automatically or left unmatched). Done once: the statement's second import changes nothing."""
    from decimal import Decimal

    from tests.factories import Camt053, Payment
    from worker.access.companies import resolve_company
    from worker.db.credit_note_queries import open_invoice_ids
    from worker.db.engine import engine_for
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.reconciliation.matching import run_matching
    from worker.statements.statements import import_statement

    with unit_of_work(engine_for(url)) as session:
        repo = Repository(session, resolve_company(session, None))
        if repo.review_items("pending"):
            return
        rows = repo.invoice_rows(open_invoice_ids(repo)[::7][:payments])
        lines = [Payment(f"RVW{k:06d}", TODAY, Decimal(row.amount), f"M OU MME {k:05d}", "VIREMENT")
                 for k, row in enumerate(rows)]
        import_statement(repo, Camt053(lines, statement_id="REVIEW-QUEUE").render(), "review.xml", today=TODAY)
        run_matching(repo)


def _median_ms(action: Callable[[int], Any]) -> tuple[float, list[float]]:
    times = []
    for n in range(ROUNDS):
        start = time.perf_counter()
        action(n)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), times


def measure(url: str, data_dir: Path) -> dict[str, Any]:
    """The median of five of each request, in ms, with the rounds and the company's size."""
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from worker.access.companies import resolve_company
    from worker.api.app import create_app
    from worker.db.engine import engine_for
    from worker.db.repository import Repository
    from worker.db.tables import Invoice
    from worker.db.uow import unit_of_work
    from worker.settings import load_settings

    settings = load_settings({"LETTRAGE_DATABASE_URL": url, "LETTRAGE_DATA_DIR": str(data_dir),
                              "LETTRAGE_SECRET_KEY": "web-latency-bench-0123456789abcdef",
                              "LETTRAGE_NOW": f"{TODAY.isoformat()}T09:00:00+00:00"}, env_file=None)
    with unit_of_work(engine_for(url)) as session:
        company = resolve_company(session, None)
        ref = company.ref
        pending = [i.id for i in Repository(session, company).review_items("pending")][:ROUNDS + 5]
        invoices = int(session.execute(select(func.count()).select_from(Invoice)).scalar_one())
        queue = len(Repository(session, company).review_items("pending"))
    client = TestClient(create_app(settings), base_url="https://testserver", follow_redirects=False)
    form = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token is not None
    assert client.post("/login", data={"email": ACCOUNTANT, "password": PASSWORD, "login_token": token.group(1),
                                       "next_path": "/"}).status_code == 303
    base = f"/companies/{ref}"
    page = client.get(f"{base}/review")
    assert page.status_code == 200, page.text[:500]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None

    def get(path: str, htmx: bool = False) -> Callable[[int], Any]:
        def action(_n: int) -> None:
            response = client.get(path, headers={"HX-Request": "true"} if htmx else {})
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return action

    def decide(n: int) -> None:
        response = client.post(f"{base}/review/{pending[n]}/accept",
                               data={"candidate": "0", "version": "1", "csrf_token": csrf.group(1)},
                               headers={"HX-Request": "true"})
        assert response.status_code in (200, 409, 422), response.text[:300]  # 409/422: its invoice paid meanwhile

    figures: dict[str, Any] = {"invoices": invoices, "pending_review": queue}
    for name, action in (("review_page", get(f"{base}/review")), ("review_queue", get(f"{base}/review", htmx=True)),
                         ("decision", decide),
                         ("invoice_search", get(f"{base}/invoices?q=FA-2026-054321")),
                         ("dashboard", get(f"{base}/dashboard")), ("worklist", get(f"{base}/worklist"))):
        median, rounds = _median_ms(action)
        figures[name] = {"median_ms": round(median, 1), "rounds_ms": [round(t, 1) for t in rounds],
                         "target_ms": TARGETS_MS[name], "met": median < TARGETS_MS[name]}
        print(name, json.dumps(figures[name]), file=sys.stderr, flush=True)
    return figures


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("web100k")
    return build_company(folder), folder


def test_web_latency_100k(company: tuple[str, Path], benchmark: Any) -> None:
    url, folder = company
    figures = benchmark.pedantic(measure, args=(url, folder / "var"), rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    print("\n" + json.dumps(figures, indent=1))
    assert figures["invoices"] == 100_000


if __name__ == "__main__":
    where = Path(sys.argv[1])
    where.mkdir(parents=True, exist_ok=True)
    print(json.dumps(measure(build_company(where), where / "var"), indent=1))
