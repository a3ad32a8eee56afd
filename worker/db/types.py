"""Column types: money stored exactly, as an integer count of ten-thousandths.

SQLite has no exact decimal type (its NUMERIC is a float), so money is kept as
a BIGINT of 1/10,000 units on every database: exact, summable in SQL, and wide
enough (±922 billion) for any company. Four places cover banks that report
amounts beyond cents (OFX investment lines, CAMT rates); invoices use two.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

SCALE = 4
_QUANTUM = Decimal(1).scaleb(-SCALE)
CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """A Decimal amount stored as an integer of 10^-4 units; refuses to round silently."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, never float")
        amount = Decimal(value)
        scaled = amount.scaleb(SCALE)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"amount {amount} has more than {SCALE} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        amount = Decimal(int(value)).scaleb(-SCALE)
        # Present at least two places ("1200.00"), more only where the bank gave them.
        return amount.quantize(CENT) if amount == amount.quantize(CENT) else amount.normalize()

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal
