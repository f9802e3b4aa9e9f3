"""Management commands of the scenarios app."""
