"""The bank-feed providers lettrage knows: their name in a company's ``[feeds]`` section, the credentials each
needs (names of LETTRAGE_* variables or of files, never values), whether its access has a consent that expires,
and its documentation."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeedProvider:
    """One provider: ``credentials`` maps each ``*_env`` key of the section to its default variable name (the
    section may give a ``*_file`` key instead: the file holding the value)."""

    name: str
    title: str
    base_url: str
    credentials: tuple[tuple[str, str], ...]
    consent_expires: bool
    docs: str


PROVIDERS: dict[str, FeedProvider] = {p.name: p for p in (
    FeedProvider("qonto", "Qonto (Business API, organisation key)", "https://thirdparty.qonto.com",
                 (("login_env", "LETTRAGE_QONTO_LOGIN"), ("secret_key_env", "LETTRAGE_QONTO_SECRET_KEY")),
                 consent_expires=False,
                 docs="https://docs.qonto.com/api-reference/business-api/transactions-statements/transactions/"
                      "list-transactions"),
    FeedProvider("gocardless", "GoCardless Bank Account Data", "https://bankaccountdata.gocardless.com",
                 (("secret_id_env", "LETTRAGE_GOCARDLESS_SECRET_ID"),
                  ("secret_key_env", "LETTRAGE_GOCARDLESS_SECRET_KEY")),
                 consent_expires=True, docs="https://developer.gocardless.com/bank-account-data/overview"),
    FeedProvider("enablebanking", "Enable Banking (PSD2 account information)", "https://api.enablebanking.com",
                 (("private_key_env", "LETTRAGE_ENABLEBANKING_PRIVATE_KEY"),),
                 consent_expires=True, docs="https://enablebanking.com/docs/api/reference/"),
)}


def provider(name: str) -> FeedProvider:
    """The provider called ``name``; KeyError names the ones known."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise KeyError(f"unknown bank feed provider {name!r} (known: {', '.join(sorted(PROVIDERS))})") from None
