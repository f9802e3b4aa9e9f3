"""Run console pages: the explorer, a run's live console, comparisons and batches."""
