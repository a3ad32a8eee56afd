"""One error tree, the HTTP status on the class (issue 17): every LettrageError answers the API with the status
of the table below, and the API's error handlers answer ``{"detail": ..., "errors": [...]}`` with it."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from connectors.errors import ConnectorError, ParseError
from reminders.errors import ChannelNotConfigured, ReminderError
from worker.api.errors import _status, install_error_handlers
from worker.errors import InvoiceImportError, LettrageError

WORKER = Path(__file__).resolve().parents[2] / "worker"

# The contract: the HTTP status each error of the worker answers with. A new error class needs its row here.
STATUSES: dict[str, int] = {
    "worker.api.routes_data.StatementRefused": 422,
    "worker.api.routes_data.UploadTooLarge": 413,
    "worker.access.tokens.TokenError": 422,
    "worker.errors.CompanyNotFound": 400,
    "worker.errors.ConfigurationError": 400,
    "worker.errors.FutureDay": 400,
    "worker.errors.InvoiceImportError": 422,
    "worker.errors.LettrageError": 400,
    "worker.errors.ReviewConflict": 409,
    "worker.errors.StatementImportError": 400,
    "worker.errors.UnknownAccount": 400,
    "worker.outbound.OutboundFailed": 400,
    "worker.outbound.OutboundRefused": 400,
    "worker.outbound.OutboundTooLarge": 400,
    "worker.statements.bank_accounts.BankAccountError": 400,
    "worker.reconciliation.credit_notes.CreditNoteError": 422,
    "worker.reconciliation.credit_notes.CreditNoteNotFound": 404,
    "worker.einvoices.einvoice_import.EinvoiceImportError": 422,
    "worker.einvoices.platform_pennylane.PennylaneWebhookRefused": 401,
    "worker.einvoices.platform_pennylane.PennylaneUnavailable": 503,
    "worker.invoices.payment_reference.PaymentReferenceError": 422,
    "worker.invoices.payment_reference.PaymentReferenceNotFound": 404,
    "worker.invoices.payment_reference.NoPaymentCode": 409,
    "worker.documents.invoice_documents.DocumentError": 400,
    "worker.documents.invoice_documents.DocumentNotFound": 400,
    "worker.documents.invoice_documents.DocumentTooLarge": 400,
    "worker.documents.invoice_documents.NotAPdf": 400,
    "worker.documents.pdf_safety.ActivePdf": 400,
    "worker.reconciliation.residuals.ResidualError": 400,
    "worker.reconciliation.review.ReviewError": 422,
    "worker.reconciliation.review.ReviewNotFound": 404,
    "worker.access.users.LoginRefused": 400,
    "worker.access.users.LoginThrottled": 400,
    "worker.access.users.UserError": 400,
    "worker.webhooks.webhooks.WebhookError": 422,
    "worker.webhooks.webhooks.WebhookNotFound": 404,
    "worker.dunning.reminder_preview.PreviewNotFound": 404,
    "worker.dunning.reminder_preview.PreviewAmbiguous": 422,
    "worker.documents.duplicate_invoice.DuplicateIncomplete": 400,
    "worker.errors.BooksExportError": 400,
    "worker.errors.ProceedingsError": 422,
    "worker.errors.ProceedingsNotFound": 404,
    "worker.dunning.legal_file.CustomerNotFound": 404,
    "worker.dunning.legal_file.NothingToClaim": 422,
    "worker.dunning.legal_rules.LegalPathRefused": 422,
    "worker.dunning.customer_links.LinkRefused": 404,
    "worker.dunning.customer_links_answers.AnswerRefused": 422,
    "worker.dunning.payment_plans.NoPlanRequested": 409,
}


def _defining_modules() -> list[str]:
    """The worker modules whose source defines a class deriving (by name, at any depth) from LettrageError:
    read with ast, so that a new error class in a new module is found without importing all of worker/."""
    classes: list[tuple[str, str, set[str]]] = []  # (module, class, base names)
    for path in sorted(WORKER.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(WORKER.parent).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else b.attr for b in node.bases
                         if isinstance(b, (ast.Name, ast.Attribute))}
                classes.append((module, node.name, bases))
    names, modules = {"LettrageError"}, {"worker.errors"}
    while True:
        found = {(module, name) for module, name, bases in classes if bases & names and name not in names}
        if not found:
            return sorted(modules)
        names |= {name for _, name in found}
        modules |= {module for module, _ in found}


def _error_tree() -> list[type[LettrageError]]:
    for module in _defining_modules():
        importlib.import_module(module)
    seen: dict[str, type[LettrageError]] = {}
    todo: list[type[LettrageError]] = [LettrageError]
    while todo:
        kind = todo.pop()
        seen[f"{kind.__module__}.{kind.__qualname__}"] = kind
        todo.extend(kind.__subclasses__())
    return [seen[name] for name in sorted(seen)]


TREE = _error_tree()


@pytest.mark.parametrize("kind", TREE, ids=lambda kind: f"{kind.__module__}.{kind.__qualname__}")
def test_each_error_answers_its_status(kind: type[LettrageError]) -> None:
    name = f"{kind.__module__}.{kind.__qualname__}"
    if name not in STATUSES:
        pytest.fail(f"{name} has no row in STATUSES (tests/unit/test_error_tree.py): add it with the HTTP "
                    f"status it answers ({kind.http_status} today)")
    assert kind.http_status == STATUSES[name]
    assert _status(kind.__new__(kind)) == STATUSES[name]


def test_each_error_says_when_it_is_raised() -> None:
    silent = [kind.__qualname__ for kind in TREE if not (kind.__doc__ or "").startswith("Raised ")]
    assert not silent, f"error classes whose docstring does not start with 'Raised ...': {silent}"


def test_the_table_names_no_class_that_is_gone() -> None:
    found = {f"{kind.__module__}.{kind.__qualname__}" for kind in TREE}
    assert not set(STATUSES) - found, f"rows in STATUSES for classes that no longer exist: {set(STATUSES) - found}"


def test_the_pure_packages_errors_stay_422_and_any_other_400() -> None:
    assert _status(ParseError("a.ofx", "bad amount", row=3)) == 422
    assert _status(ConnectorError("down")) == 422
    assert _status(ChannelNotConfigured("no SMTP URL")) == 422
    assert _status(ReminderError("no")) == 422
    assert _status(ValueError("not ours")) == 400


def _raising(exc: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


def _instance(name: str, *args: object) -> Exception:
    kind = next(kind for kind in TREE if f"{kind.__module__}.{kind.__qualname__}" == name)
    return kind(*args)


@pytest.mark.parametrize(("exc", "status"), [
    (_instance("worker.reconciliation.review.ReviewNotFound", "no review item 7"), 404),
    (_instance("worker.webhooks.webhooks.WebhookNotFound", "no webhook endpoint 3"), 404),
    (_instance("worker.reconciliation.credit_notes.CreditNoteNotFound", "no credit note AV-1"), 404),
    (_instance("worker.errors.ReviewConflict", "review item 7 was decided meanwhile"), 409),
    (_instance("worker.api.routes_data.UploadTooLarge", "a.csv: over 10 MB"), 413),
    (_instance("worker.reconciliation.credit_notes.CreditNoteError", "amount over the note's remainder"), 422),
    (_instance("worker.access.tokens.TokenError", "unknown scope 'x'"), 422),
    (_instance("worker.documents.invoice_documents.DocumentNotFound", "no invoice 'F-9'"), 400),
    (_instance("worker.errors.FutureDay", "2099-01-01 has not come yet"), 400),
    (ParseError("a.ofx", "bad amount", row=3), 422),
    (ChannelNotConfigured("no SMTP URL"), 422),
])
def test_the_api_answers_the_status_and_the_shape(exc: Exception, status: int) -> None:
    answer = _raising(exc).get("/boom")
    assert answer.status_code == status
    assert answer.json() == {"detail": str(exc), "errors": []}


def test_an_invoice_file_error_lists_every_bad_row() -> None:
    exc = InvoiceImportError("invoices.csv", [(2, "bad amount"), (5, "no due date")])
    answer = _raising(exc).get("/boom")
    assert answer.status_code == 422
    assert answer.json() == {"detail": str(exc),
                             "errors": ["invoices.csv: row 2: bad amount", "invoices.csv: row 5: no due date"]}
