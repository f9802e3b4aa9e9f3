from django.apps import AppConfig


class RunsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "runs_app"

    def ready(self) -> None:
        # Bind shared tasks to our configured Celery app in every process that runs Django.
        import simengine.celery  # noqa: F401
