"""The task ledger: every message handed to the broker, what became of it, and why it failed.

A row is written when a task is enqueued and updated when a worker starts and
finishes it, so the database, not the broker, is the record of work: failed
tasks are listed and replayed from it (``lettrage tasks``), tasks the broker lost
(a Redis restarted without persistence) are sent again from it, and the task
metrics of ``GET /metrics`` are read from it for every worker at once.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index
from sqlmodel import Field, SQLModel

from worker.db.columns import utcnow

#: queued (in the broker, or waiting for a retry), running, done, failed (dead-lettered: no retry left or
#: a permanent error), replayed (failed, then sent again as a new task).
TASK_STATES = ("queued", "running", "done", "failed", "replayed")


class TaskRecord(SQLModel, table=True):
    """One dramatiq message: its actor and arguments (to replay it) and its fate."""

    __table_args__ = (Index("ix_taskrecord_state_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(sa_column_args=[ForeignKey("company.id", ondelete="CASCADE")], index=True)
    message_id: str = Field(max_length=64, unique=True)
    actor: str = Field(max_length=64, index=True)
    queue: str = Field(max_length=64)
    args: list[Any] = Field(default_factory=list, sa_type=JSON)
    kwargs: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    state: str = Field(default="queued", max_length=16)
    attempts: int = 0  # times a worker started it
    errors: int = 0  # times it raised (each retry counts)
    error: str | None = None  # the last error, one line (kept once a retry succeeds)
    duration_seconds: float | None = None  # of the last run that finished
    worker: str | None = Field(default=None, max_length=128)  # host:pid of the process that last started it
    replayed_as: str | None = Field(default=None, max_length=64)  # message id of the replay
    enqueued_at: datetime = Field(sa_type=DateTime(timezone=True), default_factory=utcnow)
    due_at: datetime = Field(sa_type=DateTime(timezone=True), default_factory=utcnow)  # enqueued + delay
    started_at: datetime | None = Field(sa_type=DateTime(timezone=True), nullable=True, default=None)
    finished_at: datetime | None = Field(sa_type=DateTime(timezone=True), nullable=True, default=None)
    updated_at: datetime = Field(sa_type=DateTime(timezone=True), default_factory=utcnow)


TASK_TABLES = [TaskRecord]
