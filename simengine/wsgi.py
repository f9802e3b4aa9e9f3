"""WSGI entry point: HTTP only (the live console's WebSockets need `asgi.py`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simengine.settings")

application = get_wsgi_application()
