"""Runs: executing scenario versions, batches over parameter grids, the live console and the API."""
