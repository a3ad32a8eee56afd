"""The CSV profile page: a bank's CSV export uploaded, read by the layout detector, its profile saved, the file
imported (``/companies/REF/statements/csv-profile``).

One form (file, profile name, bank, the account a file naming none goes to; CSRF token), three buttons: *Read it* shows what the detector guessed on the
first rows (columns, date format, amount layout, confidence, doubts, the rows as read); *Save the profile* adds it
to the company's CSV profiles by the same function as ``lettrage statements profile FILE --write``
(worker/statements/csv_profile_file.py ``read_csv_profile``), refusing what the CLI refuses (an unsure layout
unless *even if not sure* is ticked, a file without header row); *Import the file* imports it as ``POST
/api/statements`` does (worker/workflows/sync.py ``import_spooled``, then the matching). The file is the upload's
bytes, spooled to a temporary file: no path a caller names is ever read. Uploads are bounded like the API's
(LETTRAGE_MAX_STATEMENT_UPLOAD_MB, worker/api/limits.py). With htmx the answer is the result alone; without
JavaScript the page again. Reading is open to any member of the company; saving and importing to those who
decide (accountant, admin).
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.errors import LettrageError
from worker.reconciliation.matching import run_matching
from worker.settings import Settings
from worker.statements.csv_profile_file import read_csv_profile
from worker.web.auth import check_csrf, require_decider, visitor
from worker.web.render import render
from worker.workflows.sync import import_spooled

ACTIONS = ("read", "save", "import")
# the detector's roles (connectors/csv_detect.py) in words (worker/web/i18n.py translates them)
ROLE_WORDS = {"date": "Booked on", "value": "Value date", "amount": "Amount", "debit": "Debit", "credit": "Credit",
              "counterparty": "Payer", "cp_iban": "Payer's IBAN", "account": "Account", "reference": "Reference",
              "bank_ref": "Bank reference", "currency": "Currency", "status": "Status"}
_MB = 1024 * 1024


def _safe_name(filename: str | None) -> str:
    """The upload's name as shown and stored: printable, no directory, at most 200 characters."""
    return "".join(c for c in (filename or "") if c.isprintable()).replace("/", "_").replace("\\", "_")[-200:] \
        or "upload.csv"


def router(settings: Settings) -> APIRouter:
    routes = APIRouter()

    @routes.get("/companies/{company}/statements/csv-profile")
    def profile_page(request: Request, company: str) -> Response:
        with unit_of_work(engine_for(settings.database_url)) as session:
            v = visitor(request, session, settings, company)
        return render("csv_profile.html", language=v.language, v=v, result=None, path=request.url.path,
                      max_mb=settings.max_statement_upload_mb, role_words=ROLE_WORDS)

    @routes.post("/companies/{company}/statements/csv-profile")
    def profile_post(request: Request, company: str, file: Annotated[UploadFile, File()],
                     csrf_token: Annotated[str, Form()] = "", action: Annotated[str, Form()] = "read",
                     name: Annotated[str, Form()] = "", bank: Annotated[str, Form()] = "",
                     force: Annotated[bool, Form()] = False, account: Annotated[str, Form()] = "") -> Response:
        if action not in ACTIONS:
            raise HTTPException(status_code=422, detail=f"action: one of {', '.join(ACTIONS)}")
        with unit_of_work(engine_for(settings.database_url)) as session:
            v = visitor(request, session, settings, company)
            check_csrf(request, v.csrf, csrf_token)
            if action != "read":
                require_decider(v)
            assert v.company is not None
            ref = v.company.ref
        filename = _safe_name(file.filename)
        result: dict[str, Any] = {"action": action, "file": filename, "name": name.strip()[:64],
                                  "bank": bank.strip()[:64], "force": force,
                                  "account": account.strip()[:64]}
        status_code = 200
        with tempfile.NamedTemporaryFile(prefix="lettrage-upload-") as spool:
            size, limit = 0, settings.max_statement_upload_mb
            while chunk := file.file.read(_MB):  # the body is bounded already (worker/api/limits.py)
                size += len(chunk)
                if size > limit * _MB:
                    raise HTTPException(status_code=413, detail=f"{filename}: a statement upload may have at most "
                                                                f"{limit} MB")
                spool.write(chunk)
            spool.flush()
            try:
                if action == "import":
                    outcome = import_spooled(engine_for(settings.database_url), ref, filename, Path(spool.name),
                                             account=result["account"] or None, source="web", clock=settings.clock)
                    result["imported"] = outcome.as_json()
                    if outcome.status == "failed":
                        status_code = 422
                    else:
                        with unit_of_work(engine_for(settings.database_url)) as session:
                            v2 = visitor(request, session, settings, company)
                            assert v2.company is not None
                            result["matching"] = run_matching(Repository(session, v2.company),
                                                              default_tolerance=settings.amount_tolerance).as_json()
                else:
                    spool.seek(0)
                    head = spool.read(2 * _MB)  # the detector reads the first MiB (connectors/csv_detect.py)
                    read = read_csv_profile(head, filename, name=result["name"] or None,
                                            bank=result["bank"] or None, write=action == "save", force=force,
                                            companies_dir=settings.companies_dir, company_ref=ref, shown=filename)
                    result["read"] = read.as_json()
                    result["name"] = read.name
            except LettrageError as exc:
                result["error"] = " ".join(str(exc).split())
                status_code = 422
        template = "_csv_profile.html" if request.headers.get("HX-Request") else "csv_profile.html"
        return render(template, status_code=status_code, language=v.language, v=v, result=result,
                      path=request.url.path, max_mb=settings.max_statement_upload_mb, role_words=ROLE_WORDS)

    return routes
