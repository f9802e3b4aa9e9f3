"""The Celery app for bench workers: simengine's own app, with timing probes per process.

`celery -A bench.worker_app worker` runs exactly the production tasks; `bench.probes`
only wraps the run service's phases to time them.
"""

from celery.signals import worker_process_init

from simengine.celery import app

__all__ = ["app"]


@worker_process_init.connect(weak=False)
def _install_probes(**_) -> None:
    from bench.probes import install_from_env

    install_from_env()
