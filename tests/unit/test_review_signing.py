"""Pure parts of the review API: webhook signatures, retry waits, token hashing and role scopes."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from worker.access.tokens import READ_SCOPES, ROLE_SCOPES, SCOPES, token_hash
from worker.db.api_tables import WebhookEndpoint
from worker.db.tables import ReviewItem
from worker.reconciliation.review import item_version
from worker.webhooks.webhooks import backoff, endpoint_secret, sign, verify


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"id":"invoice.paid:FA-1:3"}'
    header = sign("whsec_x", 1_767_225_600, body)
    expected = hmac.new(b"whsec_x", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1767225600,v1={expected}"
    assert verify("whsec_x", header, body)
    assert not verify("whsec_y", header, body)
    assert not verify("whsec_x", header, body + b"x")
    assert not verify("whsec_x", header.replace("t=1767225600", "t=1767225601"), body)
    assert not verify("whsec_x", "garbage", body) and not verify("whsec_x", "t=x,v1=y", body)


def test_each_endpoint_has_its_own_secret_derived_from_the_key() -> None:
    a = WebhookEndpoint(id=1, company_id=1, url="https://a")
    b = WebhookEndpoint(id=2, company_id=1, url="https://a")
    other_company = WebhookEndpoint(id=1, company_id=2, url="https://a")
    secrets = {endpoint_secret("k", e) for e in (a, b, other_company)}
    assert len(secrets) == 3 and all(s.startswith("whsec_") for s in secrets)
    assert endpoint_secret("k", a) == endpoint_secret("k", a) != endpoint_secret("k2", a)


def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert backoff(30) == timedelta(hours=1)


def test_tokens_are_hashed_and_roles_map_to_scopes() -> None:
    assert token_hash("lt_abc") == hashlib.sha256(b"lt_abc").hexdigest()
    assert ROLE_SCOPES["admin"] == frozenset(SCOPES)
    assert ROLE_SCOPES["viewer"] == frozenset(READ_SCOPES)
    assert "review:write" in ROLE_SCOPES["accountant"] and "review:write" not in ROLE_SCOPES["viewer"]
    assert "webhooks:manage" not in ROLE_SCOPES["accountant"]


def test_a_review_item_version_moves_when_it_is_decided() -> None:
    item = ReviewItem(company_id=1, line_id=1)
    assert item_version(item) == 1
    item.state = "accepted"
    assert item_version(item) == 2
