"""The Celery app: workers run `celery -A simengine worker`."""

import os

from celery import Celery, bootsteps
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simengine.settings")

app = Celery("simengine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class SweepOnConnect(bootsteps.StartStopStep):
    """Each time a worker (re)connects to the broker, it asks for a watchdog sweep.

    The sweep's chain of delayed tasks lives in the broker: a broker that restarted empty
    loses it, and this sweep revives it (see runs_app.services.watchdog).
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, parent: object) -> None:
        """Send the start-up sweep (the consumer has just connected)."""
        from runs_app.startup import start_watchdog_on_worker

        start_watchdog_on_worker()


app.steps["consumer"].add(SweepOnConnect)


@worker_process_init.connect(weak=False)
def prepare_process(**_: object) -> None:
    """A new pool process loads and freezes its heap before its first slice, not during it."""
    from runs_app.services.execution import prepare_worker_process

    prepare_worker_process()
