"""The simulation engine: pure Python, no Django, no I/O except through injected ports."""
