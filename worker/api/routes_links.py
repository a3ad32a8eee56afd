"""The signed links to the customers' page over HTTP (thin over worker/dunning/customer_links.py): revoke them,
as `lettrage links revoke` does. The page itself (worker/web/customer_page.py) needs no credential but its link."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, require
from worker.dunning import customer_links

router = APIRouter(prefix="/api", tags=["collections"])
ERRORS = s.problems(400, 401, 403, 422)


class RevokeIn(BaseModel):
    target: str = Field(min_length=1, max_length=700)  # a customer's ref (every link of it), or a token or link


class RevokedOut(BaseModel):
    customer: str
    token: str | None  # the link's digest; null: every link of the customer issued so far


@router.post("/links/revoke", response_model=RevokedOut, responses=ERRORS)
def revoke_links(request: Request, body: RevokeIn,
                 principal: Annotated[Principal, require("reminders:write")]) -> RevokedOut:
    """Revoke every link of a customer (the next reminders carry new ones), or one link (its token or URL)."""
    with company_repo(request, principal) as repo:
        done = customer_links.revoke(repo, request.app.state.settings.secret_key, body.target, principal.actor)
    return RevokedOut(customer=done["customer"], token=done["token"])
