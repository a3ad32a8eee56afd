"""The readable summary of a sync (and of the demo): what came in, what matched, what is still owed."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from rich.panel import Panel

from worker.cli.output import console, money, print_table
from worker.invoices.invoices import AGE_BUCKETS
from worker.workflows.sync import SyncSummary

BUCKET_LABELS = {"not_due": "not yet due", "1-30": "1–30 days", "31-60": "31–60 days", "61-90": "61–90 days",
                 "90+": "over 90 days"}


def print_sync_summary(summary: SyncSummary) -> None:
    data = summary.as_json()
    files = summary.files
    lines = [(f"Statement files: {len(files)} ({sum(f.status == 'imported' for f in files)} imported, "
             f"{sum(f.status == 'duplicate' for f in files)} already known, "
             f"{sum(f.status == 'failed' for f in files)} failed)"),
             f"Lines imported:  {data['lines_added']}",
             (f"Matching:        {summary.matching.auto} auto-matched, {summary.matching.review} sent to review, "
             f"{summary.matching.unmatched} unmatched"),
             f"Reminders:       {summary.planned} planned, {summary.held} invoice(s) held back"]
    if summary.quarantined:
        lines.insert(1, "Quarantined:     " + ", ".join(f"{q.file} ({q.source})" for q in summary.quarantined)
                     + ": set aside with the reason, the other files went on")
    if summary.planned_for is not None and summary.planned_for != summary.as_of:
        lines[-1] = (f"Reminders:       {summary.planned} planned for {summary.planned_for:%A %Y-%m-%d}, "
                     f"{summary.held} invoice(s) held back")
        lines.append(f"                 {summary.as_of:%A %Y-%m-%d} is not a business day: nothing is sent today; "
                     f"these go out on {summary.planned_for}")
    if summary.reminders:
        reminders = data["reminders"]
        assert isinstance(reminders, dict)
        lines.append(f"                 {reminders['sent']} sent, {reminders['failed']} failed, "
                     f"{reminders['skipped']} skipped")
    if summary.bank_data_hold is not None:
        from rich.markup import escape

        lines.append(f"                 nothing sent automatically: {escape(summary.bank_data_hold)}")
    console.print(Panel("\n".join(lines), title=f"Sync of {summary.company} on {summary.as_of}", expand=False))
    if summary.planned_by_level:
        print_table("Reminders planned by level", ["level", "reminders"],
                    sorted(summary.planned_by_level.items()), right=["reminders"])


def print_aged_balance(aged: dict[str, dict[str, Decimal | int]], as_of: date) -> None:
    total = sum((Decimal(aged[b]["amount"]) for b in AGE_BUCKETS), Decimal(0))
    rows = [(BUCKET_LABELS[b], aged[b]["count"], money(Decimal(aged[b]["amount"]))) for b in AGE_BUCKETS]
    rows.append(("total", sum(int(aged[b]["count"]) for b in AGE_BUCKETS), money(total)))
    print_table(f"Aged balance on {as_of}", ["age", "open invoices", "open amount"], rows,
                right=["open invoices", "open amount"])
