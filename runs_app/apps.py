"""The runs app's start-up wiring: Celery, the in-process executor and run events."""

from django.apps import AppConfig


class RunsAppConfig(AppConfig):
    """Connects what the run services announce or enqueue to whoever handles it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "runs_app"

    def ready(self) -> None:
        """Bind the tasks, register their in-process handlers, connect the receivers."""
        # Bind shared tasks to our configured Celery app in every process that runs Django.
        from django.contrib.auth.signals import user_logged_out

        import simengine.celery  # noqa: F401
        from runs_app import executor
        from runs_app.broadcast import close_sockets_of_session
        from runs_app.services.batches import batch_on_run_finished
        from runs_app.services.evaluation import evaluation_auto
        from runs_app.services.execution import execute_slice
        from runs_app.services.watchdog import watchdog_run
        from runs_app.signals import run_finished
        from simengine.llm.vectors import configure_vector_store

        configure_vector_store()  # long-term memory search: numpy, or Qdrant when configured
        executor.register_in_process(executor.SLICE_TASK, execute_slice)
        executor.register_in_process(executor.EVALUATION_TASK, evaluation_auto)
        executor.register_in_process(executor.WATCHDOG_TASK, watchdog_run)
        run_finished.connect(batch_on_run_finished, dispatch_uid="runs_app.batch_on_run_finished")
        user_logged_out.connect(close_sockets_of_session, dispatch_uid="runs_app.close_sockets")
