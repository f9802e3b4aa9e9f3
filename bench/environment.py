"""The bench's own world: a fresh PostgreSQL database, a Redis prefix, Django set up on both.

Nothing here touches another process's data: the database is created and dropped by the
bench, Redis keys (Celery queue, channel layer, probes) carry the bench's own prefix in
db 1, which the test suite never uses (tests take db 2-15, CI db 0).
"""

from __future__ import annotations

import os
import platform
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"


def admin_database_url() -> str:
    """Where to create the bench database: BENCH_POSTGRES_URL, else DATABASE_URL's server."""
    if os.environ.get("BENCH_POSTGRES_URL"):
        return os.environ["BENCH_POSTGRES_URL"]
    current = os.environ.get("DATABASE_URL", "")
    if current.startswith(("postgres://", "postgresql://")):
        return urlunparse(urlparse(current)._replace(path="/postgres"))
    return DEFAULT_ADMIN_URL


def bench_redis_url() -> str:
    """BENCH_REDIS_URL, else REDIS_URL's server with db 1."""
    if os.environ.get("BENCH_REDIS_URL"):
        return os.environ["BENCH_REDIS_URL"]
    current = os.environ.get("REDIS_URL", "")
    if current.startswith("redis://"):
        return urlunparse(urlparse(current)._replace(path="/1"))
    return DEFAULT_REDIS_URL


@dataclass
class BenchEnvironment:
    """Create with `open()`, always `close()`: the database is dropped, our keys deleted."""

    admin_url: str = field(default_factory=admin_database_url)
    redis_url: str = field(default_factory=bench_redis_url)
    tag: str = field(default_factory=lambda: f"bench-{os.getpid()}-{secrets.token_hex(3)}")
    created: bool = False

    @property
    def database(self) -> str:
        """The bench's own PostgreSQL database name (from its tag)."""
        return self.tag.replace("-", "_").replace("bench", "simengine_bench", 1)

    @property
    def database_url(self) -> str:
        """The URL of the bench's own database on the admin server."""
        return urlunparse(urlparse(self.admin_url)._replace(path=f"/{self.database}"))

    def open(self) -> None:
        """Create the database, point this process's env at it and Redis, migrate."""
        import psycopg

        with psycopg.connect(_libpq(self.admin_url), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        self.created = True
        os.environ.update(
            DJANGO_SETTINGS_MODULE="simengine.settings",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            CELERY_BROKER_URL=self.redis_url,
            SIMENGINE_CELERY_QUEUE=self.tag,
            SIMENGINE_CHANNEL_PREFIX=self.tag,
            DJANGO_DEBUG="false",  # as in production: DEBUG keeps every query's SQL text
            DJANGO_SECRET_KEY=secrets.token_urlsafe(32),
        )
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)

    def close(self) -> None:
        """Drop the database and delete every Redis key the bench made."""
        if self.created:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(_libpq(self.admin_url), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self.created = False
        self.forget_redis_keys(
            f"{self.tag}*", f"_kombu.binding.{self.tag}*", f"_kombu.binding_permanent.{self.tag}*"
        )

    def forget_redis_keys(self, *patterns: str) -> None:
        """Delete the bench's Redis keys matching any of the glob patterns."""
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            for pattern in patterns:
                keys = list(client.scan_iter(match=pattern, count=1000))
                for start in range(0, len(keys), 500):
                    client.delete(*keys[start : start + 500])
        finally:
            client.close()

    def redis(self):
        """A Redis client on the bench's Redis (decoding answers to text)."""
        import redis

        return redis.Redis.from_url(self.redis_url, decode_responses=True)


def _libpq(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def machine_facts(env: BenchEnvironment) -> dict[str, Any]:
    """The machine the figures were measured on, and how busy it was at the start."""
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        synchronous_commit = cursor.fetchone()[0]
    client = env.redis()
    try:
        redis_version = client.info("server")["redis_version"]
    finally:
        client.close()
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": round(_memory_kib() / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg_version,
        "postgresql_synchronous_commit": synchronous_commit,
        "redis": redis_version,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "git_commit": _git_commit(),
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_kib() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"
