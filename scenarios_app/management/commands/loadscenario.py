"""`manage.py loadscenario`: validate a scenario file and save it as a version."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scenarios_app.services import SpecError, scenario_import
from simengine.core.spec import decode_document, spec_limits


class Command(BaseCommand):
    """Validate a scenario file and save it as a new scenario or a new version."""

    help = "Validate a scenario file (YAML or JSON) and save it as a new scenario version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--note", default="", help="a note stored with the new version")

    def handle(self, *args, files: list[str], note: str, **options) -> None:
        failed = False
        for name in files:
            path = Path(name)
            try:
                with path.open("rb") as file:
                    data = file.read(spec_limits().max_bytes + 1)
            except OSError as exc:
                raise CommandError(f"{name}: cannot read: {exc.strerror}") from None
            fmt = "json" if path.suffix.lower() == ".json" else "yaml"
            try:
                text = decode_document(data)
                result = scenario_import(text=text, fmt=fmt, note=note)
            except SpecError as exc:
                failed = True
                self.stderr.write(f"{name}: invalid scenario, nothing saved:")
                for line in exc.errors:
                    self.stderr.write(f"  {line}")
                continue
            version = result.version
            if result.created:
                self.stdout.write(f"{name}: saved {version.scenario.name!r} v{version.number}")
            else:
                self.stdout.write(
                    f"{name}: {version.scenario.name!r} unchanged (v{version.number})"
                )
        if failed:
            raise CommandError("some scenario files were invalid; see the errors above")
