"""`make bench`: how close simengine comes to keeping an LLM server busy, and what it costs.

Run `python -m bench` (or `--quick` for a smoke-sized pass). It creates its own PostgreSQL
database, uses Redis db 1 under a prefix of its own, starts Celery workers and a Daphne
server as child processes, prints one table and writes `bench/results.json`. See
`bench/README.md` for what each figure means and the latest analysis.
"""
