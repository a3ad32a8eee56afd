"""Fixtures of the reminders tests."""
from __future__ import annotations

import pytest
from reminders_samples import make_context

from reminders.context import ReminderContext


@pytest.fixture
def context() -> ReminderContext:
    return make_context()
