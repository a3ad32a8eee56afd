"""``lettrage tasks``: failed tasks listed and replayed, tasks the broker lost sent again.

The task ledger (worker.db.task_tables) records every task handed to the broker; a task
that failed for good (no retry left, or a permanent error) stays there as ``failed`` until
an operator replays it, once the cause is fixed.
"""
from __future__ import annotations

from typing import Any

import click

from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json, print_table
from worker.db.task_tables import TaskRecord
from worker.errors import LettrageError


def _row(task: TaskRecord, company: str) -> dict[str, Any]:
    return {"id": task.id, "message_id": task.message_id, "actor": task.actor, "company": company,
            "args": task.args, "kwargs": task.kwargs, "attempts": task.attempts, "errors": task.errors,
            "error": task.error, "enqueued_at": task.enqueued_at.isoformat(),
            "failed_at": task.finished_at.isoformat() if task.finished_at else None}


@cli.group()
def tasks() -> None:
    """Worker tasks: the failed ones, replay, and requeue of lost ones."""


@tasks.command("failed")
@json_option
@company_option
@pass_app
def tasks_failed(app: AppContext, as_json: bool, company: str | None) -> None:
    """Tasks that failed for good, oldest first (with --company, that company's only)."""
    from worker.db.task_store import failed_tasks

    rows = [_row(task, ref) for task, ref in failed_tasks(app.engine, company)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No failed task.")
        return
    print_table("Failed tasks", ["id", "actor", "company", "arguments", "attempts", "failed at", "error"],
                [[r["id"], r["actor"], r["company"], ", ".join(map(str, r["args"])), r["attempts"],
                  (r["failed_at"] or "")[:19], r["error"]] for r in rows])
    console.print("Replay one with `lettrage tasks replay ID`, or all with `lettrage tasks replay --all`.")


def _actor(name: str) -> Any:
    """The actor this version declares under ``name`` (worker.actors)."""
    import dramatiq

    import worker.actors

    actor = getattr(worker.actors, name, None)
    if not isinstance(actor, dramatiq.Actor):
        raise LettrageError(f"no actor named {name!r}: this task cannot be replayed by this version")
    return actor


def _broker(app: AppContext) -> Any:
    """The broker of this command's settings (not the process-wide one worker.actors was declared on)."""
    from worker.broker import make_broker

    return make_broker(app.settings)


def _replay(app: AppContext, task: TaskRecord, broker: Any) -> dict[str, Any]:
    """Sends the task again as a new message (or, with no broker, runs it here)."""
    from dramatiq import Message

    from worker.broker import one_line
    from worker.db.task_store import mark_replayed

    assert task.id is not None
    actor = _actor(task.actor)
    skipped = {"id": task.id, "actor": task.actor, "status": "skipped", "message_id": None,
               "error": "already replayed"}
    if broker is None:
        if not mark_replayed(app.engine, task.id, "in-process"):
            return skipped
        try:
            actor.fn(*task.args, **task.kwargs)
        except Exception as exc:  # noqa: BLE001 - reported, like a task that failed in a worker
            return {"id": task.id, "actor": task.actor, "status": "failed", "message_id": None,
                    "error": one_line(exc)}
        return {"id": task.id, "actor": task.actor, "status": "done", "message_id": None, "error": None}
    message: Message[Any] = Message(queue_name=task.queue, actor_name=task.actor, args=tuple(task.args),
                                    kwargs=dict(task.kwargs), options={})
    if not mark_replayed(app.engine, task.id, message.message_id):
        return skipped
    broker.enqueue(message)
    return {"id": task.id, "actor": task.actor, "status": "queued", "message_id": message.message_id,
            "error": None}


@tasks.command("replay")
@click.argument("task_id", required=False, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every failed task (of --company when given).")
@json_option
@company_option
@pass_app
def tasks_replay(app: AppContext, task_id: int | None, replay_all: bool, as_json: bool, company: str | None) -> None:
    """Send a failed task again (with no broker configured, run it in this process)."""
    from worker.db.task_store import failed_tasks, task_by_id

    if (task_id is None) == (not replay_all):
        raise click.UsageError("give a task ID or --all")
    if replay_all:
        todo = [task for task, _ref in failed_tasks(app.engine, company)]
    else:
        assert task_id is not None
        task = task_by_id(app.engine, task_id)
        if task is None:
            raise LettrageError(f"task {task_id}: no such task")
        if task.state != "failed":
            raise LettrageError(f"task {task_id}: it is {task.state}, only a failed task is replayed")
        todo = [task]
    broker = _broker(app) if app.settings.broker_url else None
    results = [_replay(app, task, broker) for task in todo]
    if as_json:
        print_json(results)
    elif not results:
        console.print("No failed task to replay.")
    else:
        for r in results:
            console.print(f"task {r['id']} ({r['actor']}): {r['status']}"
                          + (f" as {r['message_id']}" if r["message_id"] else "")
                          + (f": {r['error']}" if r["error"] else ""))
    if any(r["status"] == "failed" for r in results):
        raise SystemExit(1)


@tasks.command("requeue")
@click.option("--older-than", default=900.0, show_default=True, type=float,
              help="Seconds a task may stay queued past its due time, or running, before it is sent again.")
@json_option
@company_option
@pass_app
def tasks_requeue(app: AppContext, older_than: float, as_json: bool, company: str | None) -> None:
    """Send again the tasks the broker lost (a Redis restarted without persistence, a worker gone)."""
    from worker.scheduler import requeue_lost_tasks

    if not app.settings.broker_url:
        raise LettrageError("LETTRAGE_BROKER_URL is not set: there is no broker to send tasks to")
    sent = requeue_lost_tasks(app.engine, _broker(app), older_than)
    if as_json:
        print_json(sent)
    else:
        console.print(f"{len(sent)} task(s) sent again.")
