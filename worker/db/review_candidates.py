"""A review item's candidates as stored (``ReviewItem.candidates``, a JSON list), typed.

The matcher stores each candidate as ``{"invoice", "allocated", "score", "reasons", "invoices": [part, ...]}``
with each part ``{"invoice", "invoice_id", "allocated", "write_off", "write_off_kind"}``, amounts written as
``str(Decimal)``. Rows stored earlier have fewer keys and stay in the database as they are:

- parts stored before write-offs have no ``write_off`` (nothing written off) nor ``write_off_kind``;
- parts stored before write-offs had kinds have ``write_off`` but no ``write_off_kind`` (a write-off the matcher
  accepted then is a payment difference: worker/reconciliation/review.py says so when it applies one);
- a candidate may have no ``invoice`` (its label) nor ``allocated`` (its total): only its parts.

``Candidate.from_json`` reads every one of these shapes, money as Decimal (never float), and ``to_json`` gives
back the very JSON it was read from (same keys, amounts written as they were), so that reading and writing a
stored row changes nothing in it, nor in what the API and the CLI show of it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

ZERO = Decimal(0)


def _money(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class CandidatePart:
    """One invoice of a candidate: what the payment would settle on it, and what it would write off."""

    invoice_id: int
    invoice: str  # the invoice's number
    allocated: Decimal
    write_off: Decimal | None = None  # None: stored before write-offs (no key; nothing written off)
    write_off_kind: str | None = None  # payment_difference | bank_fee; None: no write-off, or not recorded
    kind_recorded: bool = True  # False: stored before write-offs had kinds (no ``write_off_kind`` key)

    @property
    def written_off(self) -> Decimal:
        """The amount written off, zero when the part was stored before write-offs."""
        return ZERO if self.write_off is None else self.write_off

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> CandidatePart:
        write_off = stored.get("write_off")
        return cls(invoice_id=int(stored["invoice_id"]), invoice=str(stored["invoice"]),
                   allocated=_money(stored["allocated"]),
                   write_off=None if write_off is None else _money(write_off),
                   write_off_kind=stored.get("write_off_kind"), kind_recorded="write_off_kind" in stored)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"invoice": self.invoice, "invoice_id": self.invoice_id,
                               "allocated": str(self.allocated)}
        if self.write_off is not None:
            out["write_off"] = str(self.write_off)
        if self.kind_recorded:
            out["write_off_kind"] = self.write_off_kind
        return out


@dataclass(frozen=True)
class Candidate:
    """One way the matcher proposed to allocate a payment: its parts, its score and the reasons for it."""

    parts: tuple[CandidatePart, ...] = ()
    score: float = 0.0
    reasons: tuple[str, ...] = ()
    invoice: str | None = None  # the label, the parts' numbers joined by " + "; None: not stored
    allocated: Decimal | None = None  # the parts' total; None: not stored

    @classmethod
    def of(cls, parts: Iterable[CandidatePart], score: float, reasons: Iterable[str]) -> Candidate:
        """A candidate as the matcher stores it: labelled by its invoices' numbers, with its total."""
        parts = tuple(parts)
        return cls(parts=parts, score=score, reasons=tuple(reasons),
                   invoice=" + ".join(p.invoice for p in parts), allocated=sum((p.allocated for p in parts), ZERO))

    @property
    def invoice_ids(self) -> tuple[int, ...]:
        return tuple(p.invoice_id for p in self.parts)

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> Candidate:
        allocated = stored.get("allocated")
        invoice = stored.get("invoice")
        return cls(parts=tuple(CandidatePart.from_json(p) for p in stored.get("invoices") or ()),
                   score=float(stored.get("score", 0.0)), reasons=tuple(stored.get("reasons") or ()),
                   invoice=None if invoice is None else str(invoice),
                   allocated=None if allocated is None else _money(allocated))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.invoice is not None:
            out["invoice"] = self.invoice
        if self.allocated is not None:
            out["allocated"] = str(self.allocated)
        out.update({"score": self.score, "reasons": list(self.reasons),
                    "invoices": [p.to_json() for p in self.parts]})
        return out


class _Stored(Protocol):
    @property
    def candidates(self) -> Sequence[Mapping[str, Any]] | None: ...


def candidate_list(item: _Stored) -> list[Candidate]:
    """A review item's candidates (``ReviewItem.candidates``), typed, in their rank order."""
    return candidates_from_json(item.candidates)


def candidates_from_json(stored: Sequence[Mapping[str, Any]] | None) -> list[Candidate]:
    """A stored list of candidates (``ReviewItem.candidates``), typed; None reads as none."""
    return [Candidate.from_json(c) for c in stored or ()]


def candidates_to_json(candidates: Iterable[Candidate]) -> list[dict[str, Any]]:
    """What ``ReviewItem.candidates`` stores for these candidates."""
    return [c.to_json() for c in candidates]
