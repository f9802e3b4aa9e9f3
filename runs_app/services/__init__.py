"""Run services: the only place that changes runs (HackSoft style: writes here, reads in selectors)."""
