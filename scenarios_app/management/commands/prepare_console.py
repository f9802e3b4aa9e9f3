"""`make run`'s set-up step: sample scenarios, a local admin on first run, model health."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from scenarios_app.models import Scenario
from scenarios_app.services import SpecError, scenario_import

SAMPLE_DIR = Path(settings.BASE_DIR) / "scenarios"
CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".simengine-admin.txt"


class Command(BaseCommand):
    """Load the samples, create the local admin once, and report whether the models answer."""

    help = "Load the sample scenarios, create a local admin on first run, report LLM health."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="where the console will be served"
        )

    def handle(self, *args, url: str, **options) -> None:
        self.url = url
        admin = self._ensure_admin()
        self._load_samples(admin)
        self._report_models()

    def _load_samples(self, admin) -> None:
        """Import the samples, owned by the local admin (also samples loaded before owners)."""
        for path in sorted(SAMPLE_DIR.glob("*.y*ml")):
            try:
                text = path.read_text(encoding="utf-8")
                result = scenario_import(text=text, fmt="yaml", user=admin)
            except SpecError as exc:
                self.stderr.write(f"sample {path.name} is invalid: {'; '.join(exc.errors)}")
                continue
            Scenario.objects.filter(pk=result.version.scenario_id, owner__isnull=True).update(
                owner=admin
            )
            if result.created:
                self.stdout.write(f"loaded sample scenario {result.version}")

    def _ensure_admin(self):
        """The local admin (the first superuser), created with a random password if none."""
        users = get_user_model()
        admin = users.objects.filter(is_superuser=True).order_by("pk").first()
        if admin is not None:
            hint = (
                f"password in {CREDENTIALS_FILE.name}"
                if CREDENTIALS_FILE.exists()
                else "forgot it? python manage.py changepassword admin"
            )
            self.stdout.write(f"Log in at {self.url} with your admin account ({hint}).")
            return admin
        password = secrets.token_urlsafe(12)
        admin = users.objects.create_superuser("admin", "admin@localhost", password)
        CREDENTIALS_FILE.write_text(f"username: admin\npassword: {password}\n", encoding="utf-8")
        CREDENTIALS_FILE.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created a local admin account. Log in at {self.url} as "
                f"admin / {password} (saved in {CREDENTIALS_FILE.name})."
            )
        )
        return admin

    def _report_models(self) -> None:
        from simengine.llm import LLMSettings, check_ollama_sync

        llm_settings = LLMSettings.from_env()
        health = check_ollama_sync(llm_settings)
        if health.reachable:
            models = ", ".join(health.models) or "no models pulled yet (ollama pull llama3.2)"
            self.stdout.write(f"Ollama {health.version} at {llm_settings.ollama_host}: {models}")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Ollama is not reachable at OLLAMA_HOST={llm_settings.ollama_host}: agents "
                    "with ollama/ models will run on the offline policy. Start Ollama "
                    "(ollama serve) or set OLLAMA_HOST."
                )
            )
