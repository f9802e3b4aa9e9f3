"""Shared pieces of the HTTP API: base view, error format, pagination, parsers, schema."""
