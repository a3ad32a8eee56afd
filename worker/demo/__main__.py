"""``python -m worker.demo DEST [YYYY-MM-DD] [SEED]``: writes the demo files and ``truth.json`` into DEST.

Without a date, today by the deployment's clock (``LETTRAGE_NOW`` fixes it) is used.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from worker.demo import generate_demo


def main(argv: list[str] | None = None) -> int:
    """Writes the demo into the folder named by the first argument; prints what it wrote."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    dest = Path(args[0])
    if len(args) > 1:
        today = date.fromisoformat(args[1])
    else:
        from worker.clock import today as clock_today
        from worker.settings import get_settings

        settings = get_settings()
        today = clock_today(settings.clock, settings.timezone)
    seed = int(args[2]) if len(args) > 2 else 2026
    files = generate_demo(dest, today, seed)
    (dest / "truth.json").write_text(json.dumps(files.truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for path in [files.invoices, *files.statements, dest / "truth.json"]:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
