"""The scheduler schedules each company's daily sync once per local day, after its sync time."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from worker.access.companies import add_company
from worker.db.uow import unit_of_work
from worker.scheduler import due_companies
from worker.settings import load_settings


def test_daily_sync_is_scheduled_once_per_local_day(engine: Any) -> None:
    settings = load_settings({"LETTRAGE_SYNC_TIME": "06:00"}, env_file=None)
    with unit_of_work(engine) as session:
        add_company(session, "paris", "Paris SARL")
        reunion = add_company(session, "reunion", "Saint-Denis SAS")
        reunion.timezone = "Indian/Reunion"  # UTC+4
    # 03:30 UTC: 04:30 in Paris (too early), 07:30 in La Réunion (due).
    assert due_companies(settings, engine, datetime(2026, 11, 25, 3, 30, tzinfo=UTC)) == [
        ("reunion", "2026-11-25")]
    # 05:30 UTC: Paris is due; La Réunion was already scheduled today. A restart changes nothing.
    assert due_companies(settings, engine, datetime(2026, 11, 25, 5, 30, tzinfo=UTC)) == [
        ("paris", "2026-11-25")]
    assert due_companies(settings, engine, datetime(2026, 11, 25, 22, 0, tzinfo=UTC)) == []
    # After two days down, the missed run is caught up once for today, not once per missed day.
    assert due_companies(settings, engine, datetime(2026, 11, 28, 9, 0, tzinfo=UTC)) == [
        ("paris", "2026-11-28"), ("reunion", "2026-11-28")]
