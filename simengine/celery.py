"""The Celery app: workers run `celery -A simengine worker`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simengine.settings")

app = Celery("simengine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
