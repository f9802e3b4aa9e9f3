"""simengine: the Django project package (settings, urls, asgi, celery) and the engine.

The Celery app is loaded by `runs_app` when Django starts, not here, so that importing
`simengine.core` or `simengine.llm` never pulls in Django.
"""
