"""Run services: the only place that changes runs; reads live in selectors."""
