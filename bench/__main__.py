"""`python -m bench`: run the benchmark and print its table (see bench/README.md)."""

from bench.cli import main

raise SystemExit(main())
