"""A slot limiter shared by every process that can reach one Redis: leases plus a ticket queue.

Holders live in a sorted set scored by lease expiry (Redis server time), so a process that
dies while holding a slot loses it when its lease runs out; live holders renew their lease
in the background. Waiters take a ticket from a counter and queue in ticket order; a slot
goes to the waiters at the head of the queue, so waiting is first come, first served across
processes. A release hands each free slot straight to the waiter at the head of the queue (a short
lease, renewed by the new holder at once) and pushes "granted" onto that waiter's personal
list, which it blocks on (BLPOP) instead of sleeping: the hand-over costs one round trip,
not a wake-up and then an acquire. Waiters also re-check every `poll` seconds, which is
how they notice leases that expired. Waiters heartbeat on every check, and one
that stops (killed) is dropped from the queue. Every step is one Lua script, so atomic.

In front of Redis sits a process-local stage of the same size: a process never has more
than `slots` callers talking to Redis, which bounds its connections and its polling.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import redis as sync_redis
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..loops import PerLoop
from .local import LocalSlotLimiter

log = logging.getLogger(__name__)

# Shared by the scripts: `now` in ms of Redis time; purge expired leases and dead waiters;
# wake the waiters that a free slot now lets in. KEYS: holders, queue, waiting, ticket.
_COMMON = """
local holders, queue, waiting, ticket = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function purge()
  redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
  for _, gone in ipairs(redis.call('ZRANGEBYSCORE', waiting, '-inf', now)) do
    redis.call('ZREM', queue, gone)
  end
  redis.call('ZREMRANGEBYSCORE', waiting, '-inf', now)
end
local function touch(key_ttl)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], key_ttl) end
end
local function wake(slots, prefix, grant_ms)
  local free = slots - redis.call('ZCARD', holders)
  if free <= 0 then return end
  for _, next_token in ipairs(redis.call('ZRANGE', queue, 0, free - 1)) do
    if grant_ms then
      redis.call('ZADD', holders, now + grant_ms, next_token)
      redis.call('ZREM', queue, next_token)
      redis.call('ZREM', waiting, next_token)
      redis.call('RPUSH', prefix .. next_token, 'granted')
    else
      redis.call('RPUSH', prefix .. next_token, 1)
    end
    redis.call('PEXPIRE', prefix .. next_token, 10000)
  end
end
"""

# ARGV: token, slots, lease_ms, wait_ttl_ms, key_ttl_ms. Returns 1 when the slot is taken.
ACQUIRE = (
    _COMMON
    + """
local token, slots = ARGV[1], tonumber(ARGV[2])
local lease, wait_ttl, key_ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
purge()
touch(key_ttl)
if redis.call('ZSCORE', holders, token) then
  redis.call('ZADD', holders, now + lease, token)
  return 1
end
if not redis.call('ZSCORE', queue, token) then
  redis.call('ZADD', queue, redis.call('INCR', ticket), token)
end
redis.call('ZADD', waiting, now + wait_ttl, token)
if redis.call('ZRANK', queue, token) < slots - redis.call('ZCARD', holders) then
  redis.call('ZADD', holders, now + lease, token)
  redis.call('ZREM', queue, token)
  redis.call('ZREM', waiting, token)
  return 1
end
return 0
"""
)

# ARGV: token, slots, wake_prefix, grant_ms. Leaves the holders and the queue and grants the
# free slots to who is next (for grant_ms, until they renew).
RELEASE = (
    _COMMON
    + """
local token, slots, prefix, grant_ms = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
redis.call('ZREM', queue, token)
redis.call('ZREM', waiting, token)
redis.call('DEL', prefix .. token)
local held = redis.call('ZREM', holders, token)
purge()
wake(slots, prefix, grant_ms)
return held
"""
)

# KEYS: holders. ARGV: token, lease_ms, key_ttl_ms. Returns 0 when the lease was lost.
RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  return 1
end
return 0
"""

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
GRANTED = b"granted"
DEFAULT_PREFIX = "simengine:slots"


@dataclass(frozen=True)
class SlotUsage:
    """How a shared limiter stands now: live leases and callers queued for a slot."""

    name: str
    in_use: int
    waiting: int


def slot_usage(
    url: str, names: list[str], *, prefix: str = DEFAULT_PREFIX, timeout: float = 1.0
) -> list[SlotUsage]:
    """Read-only: slots in use and waiters of each limiter `name` sharing the Redis at `url`.

    Counts only live leases and live waiters (by Redis time), as the scripts do; changes
    nothing. Raises one of `REDIS_DOWN` when Redis cannot be reached within `timeout`.
    """
    client = sync_redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        seconds, micros = client.time()
        now = f"({seconds * 1000 + micros // 1000}"
        pipe = client.pipeline(transaction=False)
        for name in names:
            base = f"{prefix}:{name}"
            pipe.zcount(f"{base}:holders", now, "+inf")
            pipe.zcount(f"{base}:waiting", now, "+inf")
        counts = pipe.execute()
    finally:
        client.close()
    return [
        SlotUsage(name, int(counts[2 * i]), int(counts[2 * i + 1])) for i, name in enumerate(names)
    ]


def _raise_if_cancel_was_lost(task: asyncio.Task[Any] | None, cancels_before: int) -> None:
    """Raise CancelledError if `task` was cancelled during an await that returned anyway.

    redis-py sends every command through `asyncio.wait_for`, which on Python 3.11 drops a
    cancellation that arrives as the send completes (CPython gh-86296, fixed in 3.12): the
    command then returns normally and the CancelledError is never raised. A loop that waits
    for a slot would go on polling for good, and a caller's `wait_for`/`timeout` that
    cancelled it would wait for it for good. The request still shows in `Task.cancelling()`,
    so honour it here.
    """
    if task is not None and task.cancelling() > cancels_before:
        raise asyncio.CancelledError


@dataclass
class _Conn:
    client: Any
    acquire: Any
    release: Any
    renew: Any


class RedisSlotLimiter:
    """At most `slots` holders of `name` at once across every process sharing `url`."""

    def __init__(
        self,
        url: str,
        name: str,
        slots: int,
        *,
        lease_seconds: float = 30.0,
        poll: float = 0.2,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:
        if slots < 1:
            raise ValueError(f"a slot limiter needs at least one slot, got {slots}")
        self.url = url
        self.name = name
        self.slots = slots
        self.lease_ms = int(lease_seconds * 1000)
        self.poll = poll
        base = f"{prefix}:{name}"
        self.keys = [f"{base}:holders", f"{base}:queue", f"{base}:waiting", f"{base}:ticket"]
        self.wake_prefix = f"{base}:wake:"
        self.wait_ttl_ms = max(3000, int(poll * 1000 * 10))
        self.key_ttl_ms = max(self.lease_ms, self.wait_ttl_ms) * 4
        self.local = LocalSlotLimiter(slots)
        self._conns: PerLoop[_Conn] = PerLoop(self._connect)
        self._warned_at = -1e9

    def _connect(self) -> _Conn:
        client = aioredis.Redis.from_url(
            self.url, socket_connect_timeout=2.0, socket_timeout=self.poll + 5.0
        )
        return _Conn(
            client=client,
            acquire=client.register_script(ACQUIRE),
            release=client.register_script(RELEASE),
            renew=client.register_script(RENEW),
        )

    async def acquire(self) -> str:
        """Wait for a slot (locally, then in Redis); returns the token to pass to `release`."""
        await self.local.acquire()
        try:
            return await self._acquire_shared()
        except BaseException:
            self.local.release()
            raise

    async def _acquire_shared(self, *, renew_grant: bool = True) -> str:
        """Queue for a slot in Redis; the token once it is held.

        A slot handed over by a release comes with a short lease: it is renewed here, or,
        with `renew_grant=False`, by the caller's renewer at once (in the background).
        """
        granted, token = await self._wait_shared()
        if granted and renew_grant:
            await self.renew(token)
        return token

    async def _wait_shared(self) -> tuple[bool, str]:
        """Wait for a slot: (whether a release granted it, the token)."""
        conn = self._conns.get()
        token = uuid.uuid4().hex
        args = [token, self.slots, self.lease_ms, self.wait_ttl_ms, self.key_ttl_ms]
        task = asyncio.current_task()
        cancels = task.cancelling() if task is not None else 0
        try:
            while True:
                taken = await conn.acquire(keys=self.keys, args=args)
                _raise_if_cancel_was_lost(task, cancels)
                if taken:
                    return False, token
                woken = await conn.client.blpop([self.wake_prefix + token], timeout=self.poll)
                _raise_if_cancel_was_lost(task, cancels)
                if woken is not None and woken[1] == GRANTED:
                    return True, token
        except BaseException:
            with suppress(*REDIS_DOWN):
                await self._release_shared(token)
            raise

    async def release(self, token: str) -> None:
        """Give the slot back and wake whoever is next."""
        try:
            await self._release_shared(token)
        finally:
            self.local.release()

    async def _release_shared(self, token: str) -> None:
        conn = self._conns.get()
        args = [token, self.slots, self.wake_prefix, self.wait_ttl_ms]
        await conn.release(keys=self.keys, args=args)

    async def renew(self, token: str) -> bool:
        """Extend the lease; False when it had already expired and the slot was lost."""
        conn = self._conns.get()
        args = [token, self.lease_ms, self.key_ttl_ms]
        return bool(await conn.renew(keys=self.keys[:1], args=args))

    async def holders(self) -> int:
        """How many live leases there are now (for monitoring and tests)."""
        conn = self._conns.get()
        seconds, micros = await conn.client.time()
        now_ms = seconds * 1000 + micros // 1000
        return int(await conn.client.zcount(self.keys[0], f"({now_ms}", "+inf"))

    async def _keep_renewed(self, token: str, *, now: bool = False) -> None:
        task = asyncio.current_task()
        cancels = task.cancelling() if task is not None else 0
        while True:
            if not now:
                await asyncio.sleep(self.lease_ms / 3000)
            now = False
            try:
                renewed = await self.renew(token)
            except REDIS_DOWN as exc:
                log.warning("could not renew slot lease on %s: %s", self.name, exc)
                continue
            _raise_if_cancel_was_lost(task, cancels)  # the slot was released meanwhile
            if not renewed:
                log.warning("slot lease %s on %s expired before renewal", token, self.name)
                return

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the block; if Redis is down, warn and hold only the local one."""
        async with self.local.slot():
            token: str | None = None
            granted = False
            try:
                granted, token = await self._wait_shared()
            except REDIS_DOWN as exc:
                self._warn_down(exc)
            renewer = asyncio.create_task(self._keep_renewed(token, now=granted)) if token else None
            try:
                yield
            finally:
                if renewer is not None and token is not None:
                    renewer.cancel()
                    with suppress(*REDIS_DOWN):
                        await self._release_shared(token)

    def _warn_down(self, exc: BaseException) -> None:
        if time.monotonic() - self._warned_at > 60:
            self._warned_at = time.monotonic()
            log.warning(
                "Redis at %s is unreachable (%s): the %s slot limit now holds per process only",
                self.url,
                exc,
                self.name,
            )

    async def aclose(self) -> None:
        """Close this event loop's Redis connections."""
        conn = self._conns.pop()
        if conn is not None:
            await conn.client.aclose()
