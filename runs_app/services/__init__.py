"""Run services: the only place that changes runs (writes here, reads in selectors)."""
