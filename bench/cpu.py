"""CPU accounting from /proc: who spent the machine's CPU during a scenario.

Wall-clock phase timings inflate when processes share two cores; CPU seconds per
process group (workers, this database's PostgreSQL backends, Redis, Daphne, the bench)
and the machine's total busy time say where the cycles went, and how much of the
machine other tenants used meanwhile.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PROC = Path("/proc")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds incl. waited-for children) of a process."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    cpu = sum(int(v) for v in fields[11:15]) / TICKS  # utime stime cutime cstime
    return name, int(fields[1]), cpu


def _children_cpu(pid: int) -> float:
    """CPU seconds of a process's exited, waited-for children (cutime + cstime)."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[13]) + int(fields[14])) / TICKS


def _pids() -> list[int]:
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(roots: Iterable[int]) -> set[int]:
    """The roots and every process below them."""
    children: dict[int, list[int]] = {}
    for pid in _pids():
        stat = _stat(pid)
        if stat is not None:
            children.setdefault(stat[1], []).append(pid)
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


POSTGRES_BACKGROUND = ("checkpointer", "background writer", "walwriter", "autovacuum launcher")


_not_postgres: set[int] = set()


def postgres_backends(database: str) -> set[int]:
    """Server processes working for `database`: its connections and autovacuum workers."""
    found = set()
    for pid in _pids():
        if pid in _not_postgres:
            continue
        title = _cmdline(pid)
        if not title.startswith("postgres"):
            _not_postgres.add(pid)
        elif title.startswith("postgres: ") and database in title.split():
            found.add(pid)
    return found


def postgres_other_backends(database: str) -> set[int]:
    """Client connections to every other database of the server (other tenants' work)."""
    found = set()
    for pid in _pids():
        if pid in _not_postgres:
            continue
        title = _cmdline(pid).strip()
        words = title.split()
        if title.startswith("postgres: ") and "(" in title and database not in words:
            found.add(pid)
    return found


def postmaster() -> int | None:
    """The PostgreSQL server's main process (the parent of its helpers)."""
    for pid in postgres_background():
        stat = _stat(pid)
        if stat is not None:
            return stat[1]
    return None


def postgres_background() -> set[int]:
    """The server's shared helpers (WAL writer, checkpointer...), busy with everyone's writes."""
    found = set()
    for pid in _pids():
        title = _cmdline(pid).strip()
        if title.startswith("postgres: ") and title.endswith(POSTGRES_BACKGROUND):
            found.add(pid)
    return found


def matching(*words: str) -> set[int]:
    """Processes whose command line contains every word (e.g. "daphne", "-p 8123")."""
    return {pid for pid in _pids() if all(w in _cmdline(pid) for w in words)}


def named(command: str) -> set[int]:
    """Processes whose command name (from /proc/PID/stat) is `command`."""
    return {pid for pid in _pids() if (_stat(pid) or ("",))[0] == command}


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all CPUs, idle and iowait excluded)."""
    values = [int(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    steal = values[7] if len(values) > 7 else 0
    return (sum(values[:8]) - idle - steal) / TICKS


@dataclass
class CpuMeter:
    """CPU seconds per process group over a `with` block, and the machine's busy seconds.

    Groups are found by callables; `polled` groups are looked up again every `interval`
    seconds in a thread, for processes that come and go: Celery closes its database
    connection after every task, so a PostgreSQL backend lives for one slice. A backend that
    exits between samples loses its last moments; the server's main process collects the
    CPU of every exited backend (cutime), and that remainder is shared out over the polled
    groups by the number of their backends that exited.
    """

    groups: dict[str, Callable[[], set[int]]]
    polled: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()  # measured only to attribute the remainder; "other tenants"
    interval: float = 0.1
    server: int | None = None  # the process whose exited children are the polled groups'
    _start: dict[int, float] = field(default_factory=dict)
    _last: dict[int, float] = field(default_factory=dict)
    _owner: dict[int, str] = field(default_factory=dict)

    def __enter__(self) -> CpuMeter:
        self._start, self._last, self._owner = {}, {}, {}
        self._poll(first=True)
        self._server_children = _children_cpu(self.server) if self.server else 0.0
        self._machine = machine_busy_seconds()
        self._wall = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-cpu")
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._poll(every=False)
            for pid, name in list(self._owner.items()):
                if name not in self.polled:
                    stat = _stat(pid)
                    if stat is not None:
                        self._last[pid] = stat[2]

    def _poll(self, first: bool = False, every: bool = True) -> None:
        for name, finder in self.groups.items():
            if not (every or name in self.polled):
                continue
            for pid in finder():
                if self._owner.setdefault(pid, name) != name:
                    continue
                stat = _stat(pid)
                if stat is None:
                    continue
                if first:
                    self._start[pid] = stat[2]
                self._last[pid] = stat[2]

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._poll()
        self.machine = machine_busy_seconds() - self._machine
        self.wall = time.monotonic() - self._wall
        seconds = dict.fromkeys(self.groups, 0.0)
        exited = dict.fromkeys(self.polled, 0)
        sampled_exited = 0.0
        for pid, last in self._last.items():
            name = self._owner[pid]
            seconds[name] += last - self._start.get(pid, 0.0)
            if name in self.polled and _stat(pid) is None:
                exited[name] += 1
                sampled_exited += last - self._start.get(pid, 0.0)
        if self.server and sum(exited.values()):
            remainder = _children_cpu(self.server) - self._server_children - sampled_exited
            for name, count in exited.items():
                seconds[name] += max(0.0, remainder) * count / sum(exited.values())
        self.seconds = {k: v for k, v in seconds.items() if k not in self.hidden}
        self.seconds["other tenants"] = max(0.0, self.machine - sum(self.seconds.values()))

    def per(self, count: int) -> dict[str, float]:
        """Milliseconds of CPU per unit (e.g. per decision), by group, and the machine's."""
        out = {name: s / count * 1000 for name, s in self.seconds.items()}
        out["machine"] = self.machine / count * 1000
        return out


# the product's own processes; "bench" (this process: samplers, the stand-in, the
# WebSocket client) is measurement, and "other tenants" is whoever else shares the machine
PRODUCT = ("workers", "postgres", "postgres background", "redis", "daphne")


def product_meter(
    *, workers: Callable[[], set[int]], database: str, daphne_port: int | None = None
) -> CpuMeter:
    """A CPU meter that splits the machine's busy time between the product's processes."""
    return CpuMeter(
        {
            "workers": workers,
            "postgres": lambda: postgres_backends(database),
            "postgres background": postgres_background,
            "redis": lambda: named("redis-server"),
            "daphne": lambda: matching("daphne", f"-p {daphne_port} ") if daphne_port else set(),
            "bench": lambda: {os.getpid()},
            "postgres, other databases": lambda: postgres_other_backends(database),
        },
        polled=("postgres", "postgres, other databases"),
        hidden=("postgres, other databases",),
        server=postmaster(),
    )


def idle_machine_capacity(per_unit_ms: dict[str, float], cores: int) -> float:
    """Units per second the product's own CPU cost allows on `cores` otherwise idle cores."""
    return cores * 1000 / sum(per_unit_ms[name] for name in PRODUCT)
