"""The customer's page on a letter (issue 22): the QR code of its signed link and the short address to type.

A letter cannot be clicked: it prints « Répondre à cette relance » (« Answer this reminder ») with the QR code of the
whole signed link (``<public>/p/<token>``, a plain URL a phone's camera opens) and the short address
(``<public>/l/K7QM-4XTD-9P``) for whoever types it. This code is kept apart from the EPC payment codes
(reminders.payment_qr), which stay EPC069-12 payloads. Computed in memory: no file, no network.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property

import segno

from reminders.payment_qr import png_data_uri


@dataclass(frozen=True)
class PageLink:
    """The signed link to the customer's page (its QR code) and the short address printed beside it."""

    url: str  # <public>/p/<token>
    short_url: str  # <public>/l/<grouped code>

    @cached_property
    def png(self) -> bytes:
        """The QR code of ``url`` as PNG bytes."""
        return page_png(self.url)

    @property
    def png_uri(self) -> str:
        """The QR code as a PNG ``data:`` URI (what a letter embeds)."""
        return png_data_uri(self.png)


def page_png(url: str, scale: int = 4) -> bytes:
    """The QR code of ``url`` (error level M, quiet zone of four modules), the same bytes for the same URL."""
    out = io.BytesIO()
    segno.make_qr(url, error="m", boost_error=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
