"""Demo data: a French SME's invoices and bank statements, with the truth of what pays what."""
from __future__ import annotations

from worker.demo.generate import DemoFiles, generate_demo

__all__ = ["DemoFiles", "generate_demo"]
