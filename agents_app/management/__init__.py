"""Management commands of the agents app."""
