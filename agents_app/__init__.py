"""Agents: the templates of a scenario version and the agents of a run, as rows."""
