"""The scenarios part of the HTTP API (/api/scenarios/)."""
