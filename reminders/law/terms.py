"""Payment terms over the legal caps between businesses (Code de commerce L441-10 I).

The agreed term may not exceed 60 days from the date the invoice is issued; by way of exception,
45 days end of month from the date of issue may be agreed, when expressly stipulated. "45 days end
of month" is read in two ways, both accepted by the administration (DGCCRF): the end of the month
in which the 45th day falls, or the end of the month of issue plus 45 days. A due date is flagged
only when it is after the latest of the three dates, so that no lawful term is reported.
(Sector caps that are shorter, e.g. transport or perishable food, L441-11, are not checked here.)
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta

BASIS = "Code de commerce L441-10 I"


def _end_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def latest_lawful_due_date(issued_on: date) -> date:
    """The latest due date any of the three lawful readings of the cap allows."""
    sixty_days = issued_on + timedelta(days=60)
    forty_five_then_eom = _end_of_month(issued_on + timedelta(days=45))
    eom_then_forty_five = _end_of_month(issued_on) + timedelta(days=45)
    return max(sixty_days, forty_five_then_eom, eom_then_forty_five)


def payment_terms_issue(issued_on: date, due_on: date) -> str | None:
    """A sentence when the invoice's payment term is over the legal caps (or before its issue); else None."""
    if due_on < issued_on:
        return f"due date {due_on.isoformat()} is before the invoice date {issued_on.isoformat()}"
    latest = latest_lawful_due_date(issued_on)
    if due_on <= latest:
        return None
    days = (due_on - issued_on).days
    return (f"payment term of {days} days from the invoice ({issued_on.isoformat()} -> {due_on.isoformat()}) "
            f"is over the legal cap of 60 days, or 45 days end of month (latest lawful due date "
            f"{latest.isoformat()}, {BASIS})")
