"""`make run`'s set-up step: sample scenarios, a local admin on first run, model health."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

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
        self._load_samples()
        self._ensure_admin()
        self._report_models()

    def _load_samples(self) -> None:
        for path in sorted(SAMPLE_DIR.glob("*.y*ml")):
            try:
                result = scenario_import(text=path.read_text(encoding="utf-8"), fmt="yaml")
            except SpecError as exc:
                self.stderr.write(f"sample {path.name} is invalid: {'; '.join(exc.errors)}")
                continue
            if result.created:
                self.stdout.write(f"loaded sample scenario {result.version}")

    def _ensure_admin(self) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            hint = (
                f"password in {CREDENTIALS_FILE.name}"
                if CREDENTIALS_FILE.exists()
                else "forgot it? python manage.py changepassword admin"
            )
            self.stdout.write(f"Log in at {self.url} with your admin account ({hint}).")
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", "admin@localhost", password)
        CREDENTIALS_FILE.write_text(f"username: admin\npassword: {password}\n", encoding="utf-8")
        CREDENTIALS_FILE.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created a local admin account. Log in at {self.url} as "
                f"admin / {password} (saved in {CREDENTIALS_FILE.name})."
            )
        )

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
