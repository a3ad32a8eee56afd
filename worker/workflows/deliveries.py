"""One scheduler step delivers whatever is due, from every outbox (worker/db/outbox.py).

:func:`deliver_due` runs, in this order, the passes of the outboxes that wait for a time: the sent e-invoicing
statuses (first tries, retries, and those left ``sending`` by a sender that died), each company's weekly
forecast snapshot and weekly report, the emails telling the firm of the customers' answers on their page
(worker/dunning/answer_notices.py), the webhooks (events made outside the API, retries), and the dashboard's and
worklist's kept figures of a large company that changed (worker/insight/snapshot.refresh_stale). Reminder
messages are not here: a failed one is planned again by the company's daily sync (the planner reads the
outbox's ``next_attempt_on``), and duplicates are sent on request only.

Services never import the actors: the scheduler gives ``enqueue_for``, which names the per-company task's
send for an actor name (None without a broker: the work is then done in this process).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from worker.settings import Settings

Enqueue = Callable[[str], object]


def deliver_due(settings: Settings, engine: Engine, now: datetime,
                enqueue_for: Callable[[str], Enqueue | None]) -> dict[str, list[Any]]:
    """One pass over every outbox with work due; what each pass did, by outbox.

    ``now`` is the deployment's clock (``settings.clock``): it decides the weekly report's day and hour. The
    statuses and the webhooks keep the real time of their outboxes (their leases and stuck detection are shared
    with senders in other processes, the API's dispatcher among them)."""
    from worker.einvoices.pa_delivery import schedule_deliveries
    from worker.insight.weekly_report_send import scheduled_pass
    from worker.webhooks.webhooks import scheduled_dispatch

    done: dict[str, list[Any]] = {}
    done["einvoice_statuses"] = schedule_deliveries(settings, engine,
                                                    enqueue=enqueue_for("deliver_einvoice_statuses"))
    done["weekly_reports"] = scheduled_pass(settings, engine, now)
    from worker.dunning.answer_notices import deliver_notices

    done["answer_notices"] = [n.as_json() for n in deliver_notices(settings, engine, now)]
    done["webhooks"] = scheduled_dispatch(settings, engine, enqueue=enqueue_for("deliver_webhooks"))
    from worker.insight.snapshot import refresh_stale

    done["pages"] = refresh_stale(engine, settings, now)  # a large company's dashboard and worklist, when changed
    return done
