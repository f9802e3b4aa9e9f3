"""`python manage.py report RUN_ID -o FILE`: write a run's self-contained HTML report.

`--trace` writes the run's JSONL trace (the `simulate --jsonl` format) instead. `-o -`
writes to standard output. A run still going is reported as of its current tick.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from runs_app.models import FINAL_RUN_STATUSES, Run
from runs_app.selectors import run_get
from runs_app.services.report import run_report_html
from runs_app.services.traces import run_trace


class Command(BaseCommand):
    """The `report` management command."""

    help = "Write a run's self-contained HTML report (or, with --trace, its JSONL trace)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_id", type=int, help="the run's id")
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE", help="where to write ('-': stdout)"
        )
        parser.add_argument(
            "--trace", action="store_true", help="write the JSONL trace instead of the report"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = run_get(pk=options["run_id"])
        except Run.DoesNotExist:
            raise CommandError(f"no run {options['run_id']}") from None
        chunks = run_trace(run) if options["trace"] else iter([run_report_html(run)])
        target = options["output"]
        if target == "-":
            sys.stdout.writelines(chunks)
            return
        path = Path(target)
        if not path.parent.is_dir():
            raise CommandError(f"{target}: the folder {path.parent} does not exist")
        with path.open("w", encoding="utf-8", newline="\n") as out:
            out.writelines(chunks)
        what = "trace" if options["trace"] else "report"
        note = "" if run.status in FINAL_RUN_STATUSES else f" (as of tick {run.current_step})"
        self.stderr.write(f"wrote run {run.pk}'s {what} to {path}{note}")
