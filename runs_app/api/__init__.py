"""The runs part of the HTTP API: runs, controls, histories, batches, evaluations."""
