"""CPU accounting from /proc: who spent the machine's CPU during a scenario.

Wall-clock phase timings inflate when processes share two cores; CPU seconds per
process group (workers, this database's PostgreSQL backends, Redis, Daphne, the bench)
and the machine's total busy time say where the cycles went, and how much of the
machine other tenants used meanwhile.
"""

from __future__ import annotations

import os
import threading
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

    Groups are found by callables, polled every `interval` seconds in a thread, so short-lived
    processes (a PostgreSQL backend per Celery task: Celery closes the connection after each
    task) are counted up to their last sample.
    """

    groups: dict[str, Callable[[], set[int]]]
    polled: tuple[str, ...] = ()  # groups whose processes come and go: looked up every poll
    interval: float = 0.1
    _start: dict[int, float] = field(default_factory=dict)
    _last: dict[int, float] = field(default_factory=dict)
    _owner: dict[int, str] = field(default_factory=dict)

    def __enter__(self) -> CpuMeter:
        self._start, self._last, self._owner = {}, {}, {}
        self._poll(first=True)
        self._machine = machine_busy_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-cpu")
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._poll(every=False)
            for pid in set(self._last) - self._new_or_polled():
                stat = _stat(pid)
                if stat is not None:
                    self._last[pid] = stat[2]

    def _new_or_polled(self) -> set[int]:
        return {pid for pid, name in self._owner.items() if name in self.polled}

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
        self.seconds = dict.fromkeys(self.groups, 0.0)
        for pid, last in self._last.items():
            self.seconds[self._owner[pid]] += last - self._start.get(pid, 0.0)
        self.seconds["other tenants"] = max(0.0, self.machine - sum(self.seconds.values()))

    def per(self, count: int) -> dict[str, float]:
        """Milliseconds of CPU per unit (e.g. per decision), by group, and the machine's."""
        out = {name: s / count * 1000 for name, s in self.seconds.items()}
        out["machine"] = self.machine / count * 1000
        return out
