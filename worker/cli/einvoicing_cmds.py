"""``lettrage einvoicing``: the e-invoicing reform's lifecycle statuses (212 « Encaissée » sent to the company's
platform, statuses received from buyers), their export to a folder, and the payment e-reporting.

The group is created here; ``statuses`` is a sub-group other modules add commands to (``statuses import``
lives in worker/cli/einvoicing_incoming_cmds.py).
"""
from __future__ import annotations

import click

from worker.cli.main import AppContext, cli

pass_app = click.make_pass_decorator(AppContext)


@cli.group()
def einvoicing() -> None:
    """E-invoicing reform: lifecycle statuses (sent and received), their delivery, payment e-reporting."""


@einvoicing.group()
def statuses() -> None:
    """Lifecycle statuses of invoices: sent to the platform (212 « Encaissée ») and received from buyers."""
