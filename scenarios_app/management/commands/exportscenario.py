"""`manage.py exportscenario`: print a stored scenario's spec as YAML or JSON."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scenarios_app.models import Scenario
from scenarios_app.services import scenario_export


class Command(BaseCommand):
    """Print a stored scenario version's spec (the latest unless `--version`)."""

    help = "Print a stored scenario's spec (latest version unless --version) as YAML or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", metavar="NAME")
        parser.add_argument("--version", type=int, help="version number (default: latest)")
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")

    def handle(self, *args, name: str, version: int | None, format: str, **options) -> None:
        scenario = Scenario.objects.filter(name=name).first()
        if scenario is None:
            known = ", ".join(Scenario.objects.values_list("name", flat=True)[:20]) or "none"
            raise CommandError(f"no scenario named {name!r} (known: {known})")
        versions = scenario.versions.order_by("-number")
        chosen = versions.filter(number=version).first() if version else versions.first()
        if chosen is None:
            raise CommandError(f"scenario {name!r} has no version {version}")
        self.stdout.write(scenario_export(version=chosen, fmt=format), ending="")
