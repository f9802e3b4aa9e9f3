"""Kombu's Redis transport with a fix that lets a worker outlive a Redis restart.

Celery 5.7 (kombu 5.7) handles a lost broker connection in
`Consumer.on_connection_error_after_connected` by first calling `Connection.collect()`,
which detaches the transport (`transport.client = None`), and then `Connection.close()`,
which closes the default channel. Closing a Redis channel restores the messages it had
delivered but not acknowledged (`QoS.restore_unacked_once`), and restoring opens a new
Redis client from `transport.client`, now None. The AttributeError
(`'NoneType' object has no attribute 'hostname'`) is not a connection error, so the
worker stopped with "Unrecoverable error" right after "Restoring N unacknowledged
message(s)" whenever a task was in flight (an idle worker survived).

Each channel here keeps the connection details it was opened with and uses them when the
transport has been detached, so the restore either works (Redis is back) or fails with a
Redis connection error, which kombu ignores while closing. The worker then reconnects.
Selected by `CELERY_BROKER_TRANSPORT` in settings for redis:// and rediss:// brokers.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    """A Redis channel that can still reach Redis after its transport was detached."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Open the channel and remember the connection details it was opened with."""
        super().__init__(*args, **kwargs)
        self._opened_with = self.connection.client

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None and self._opened_with is not None:
            # detached by Connection.collect(): reconnect with the details we opened with
            self.connection.client = self._opened_with
        return super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]


class Transport(kombu_redis.Transport):
    """kombu's Redis transport using `Channel` above."""

    Channel = Channel
