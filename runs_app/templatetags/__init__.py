"""Template tags of the run console."""
