"""Shared web helpers for every app's views (e.g. `off_the_shared_thread`); imports no app."""
