"""`RedisLimiter`: one account's limits shared by every worker that names the same Redis.

redis-py (`pip install 'deepseek-ext[redis]'`) is imported when a limiter is built, not when
the core is. What lives in Redis, under `{key_prefix}:{name}:`: the leases in flight (ids and
expiry times), the waiters in arrival order, the current shared cap, a cool-down marker, and the
micro-dollars spent and reserved. Never the API key or any message content.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
import weakref
from decimal import ROUND_CEILING, Decimal
from typing import Any

from .._errors import (
    BudgetExceededError,
    LimiterQueueFullError,
    LimiterTimeoutError,
    LimiterUnavailableError,
)
from .._secrets import mask_url
from . import _scripts

__all__ = ["RedisLimiter"]

logger = logging.getLogger("deepseek_ext_core.limits")

_MICRO = Decimal(1_000_000)
_KEY_TTL_MS = 24 * 3600 * 1000
"""Every key expires a day after it was last written: nothing is left behind for good."""
_POLL_FIRST, _POLL_MOST = 0.001, 0.02
"""Seconds between two asks for a slot: from the first, doubling, to at most this."""


def _micro(usd: Decimal) -> int:
    return int((usd * _MICRO).to_integral_value(rounding=ROUND_CEILING))


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.RedisError, OSError, asyncio.TimeoutError)


class _NoLease:
    """What a fail-open limiter hands out while Redis cannot be reached: nothing to release."""

    def release(self, *, rate_limited: bool = False, cost_usd: Decimal | None = None) -> None:
        return None

    async def arelease(
        self, *, rate_limited: bool = False, cost_usd: Decimal | None = None
    ) -> None:
        return None


class _RedisLease:
    __slots__ = ("_limiter", "_released", "id")

    def __init__(self, limiter: RedisLimiter, lease_id: str) -> None:
        self._limiter = limiter
        self.id = lease_id
        self._released = False

    def release(self, *, rate_limited: bool = False, cost_usd: Decimal | None = None) -> None:
        if not self._released:
            self._released = True
            self._limiter._release(self.id, rate_limited, cost_usd)

    async def arelease(
        self, *, rate_limited: bool = False, cost_usd: Decimal | None = None
    ) -> None:
        if not self._released:
            self._released = True
            await self._limiter._arelease(self.id, rate_limited, cost_usd)


class RedisLimiter:
    """Concurrency, back-off and budget for one DeepSeek account, shared through Redis.

    ```python
    limiter = RedisLimiter.from_url("redis://localhost:6379/0", name="prod", max_concurrency=500)
    client = DeepSeekClient(limiter=limiter)
    ```

    - `max_concurrency`: requests in flight across every worker; a 429 any worker sees halves
      the shared cap (once per `cut_window_seconds`: a burst halves it once), and each run of
      successes as long as the cap raises it by one again, up to `max_concurrency` (AIMD, as
      batch jobs do, account-wide). `cooldown_seconds` adds a pause after a 429 during which
      nobody starts a request (0 by default: the cap cut is enough).
    - `max_queued`: how many may wait for a slot (`LimiterQueueFullError` past it); waiting is
      first come, first served across workers.
    - `max_cost_usd`: the account's spend cap: each request is estimated before it is sent and
      settled from its usage after; past the cap, `BudgetExceededError`.
    - `lease_seconds`: a slot not renewed for this long is reclaimed, so a worker killed with
      SIGKILL gives its slots back; live workers renew theirs every third of it.
    - `fail_open`: when Redis is down or slow, send without a slot (logged) instead of raising
      `LimiterUnavailableError` (the default: fail closed, never a silently unlimited fleet).
    """

    def __init__(
        self,
        redis_client: Any,
        *,
        name: str,
        max_concurrency: int,
        max_queued: int | None = None,
        max_cost_usd: Decimal | float | str | None = None,
        lease_seconds: float = 30.0,
        cooldown_seconds: float = 0.0,
        cut_window_seconds: float = 1.0,
        fail_open: bool = False,
        key_prefix: str = "deepseek-ext",
        async_client_factory: Any = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be 1 or more, not {max_concurrency}")
        if not name:
            raise ValueError("name must name the shared account (several can share one Redis)")
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be above 0, not {lease_seconds}")
        self.name = name
        self.max_concurrency = max_concurrency
        self.max_queued = max_queued
        self.max_cost_usd = None if max_cost_usd is None else Decimal(str(max_cost_usd))
        self.lease_seconds = lease_seconds
        self.cooldown_seconds = cooldown_seconds
        self.cut_window_seconds = cut_window_seconds
        self.fail_open = fail_open
        base = f"{key_prefix}:{name}:"
        self.keys = {
            part: base + part
            for part in ("slots", "queue", "seen", "cap", "cool", "spent", "reserved", "ok", "cut")
        }
        self._redis = redis_client
        self._async_factory = async_client_factory
        self._async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._registered: dict[tuple[int, str], Any] = {}
        self._gate = threading.Lock()
        """One waiter of this process's threads asks Redis at a time (see `acquire`)."""
        self._loop_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._held: set[str] = set()
        self._held_lock = threading.Lock()
        self._renewer: threading.Thread | None = None
        self._where = _describe(redis_client)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        name: str,
        max_concurrency: int,
        socket_timeout: float = 2.0,
        max_connections: int = 32,
        **options: Any,
    ) -> RedisLimiter:
        """A limiter on the Redis at `url` (`redis://` or `rediss://`); `socket_timeout`
        bounds every Redis call, so a slow Redis is an error, never a hang; `max_connections`
        bounds the connections of each pool (one for threads, one per event loop)."""
        try:
            import redis
            import redis.asyncio
        except ImportError as exc:
            raise ImportError(
                "RedisLimiter needs redis-py: pip install 'deepseek-ext[redis]'"
            ) from exc
        # Blocking pools: a process with hundreds of requests waiting for a slot shares a few
        # connections (a plain pool refused the 101st waiter: "Too many connections").
        options_ = {
            "socket_timeout": socket_timeout,
            "socket_connect_timeout": socket_timeout,
            "max_connections": max_connections,
            "timeout": max(10.0, socket_timeout),
        }
        client = redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(url, **options_))

        def async_client() -> Any:
            pool = redis.asyncio.BlockingConnectionPool.from_url(url, **options_)
            return redis.asyncio.Redis(connection_pool=pool)

        return cls(
            client,
            name=name,
            max_concurrency=max_concurrency,
            async_client_factory=async_client,
            **options,
        )

    def __repr__(self) -> str:
        return (
            f"RedisLimiter(name={self.name!r}, max_concurrency={self.max_concurrency}, "
            f"redis={self._where!r})"
        )

    # -- acquiring ------------------------------------------------------------------------

    def acquire(
        self, *, timeout: float | None, estimate_usd: Decimal = Decimal(0)
    ) -> _RedisLease | _NoLease:
        lease_id, waiter = uuid.uuid4().hex, uuid.uuid4().hex
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = _POLL_FIRST
        # One waiter of this process asks Redis at a time; the others wait here, so a process
        # with hundreds of requests waiting costs Redis one poll, not hundreds.
        if not self._gate.acquire(timeout=-1 if timeout is None else max(0.0, timeout)):
            raise LimiterTimeoutError(f"no slot of {self.name!r} came free within {timeout} s")
        try:
            while True:
                taken, detail = self._run(
                    _scripts.ACQUIRE, self._acquire_args(lease_id, waiter, estimate_usd)
                )
                if taken == 1:
                    return self._held_lease(lease_id)
                self._refuse(taken, detail, estimate_usd)
                pause = self._pause(pause, detail, deadline, timeout)
                time.sleep(pause)
        except _redis_errors() as exc:
            return self._unavailable(exc)
        except BaseException:
            self._forget_waiter(waiter)
            raise
        finally:
            self._gate.release()

    async def aacquire(
        self, *, timeout: float | None, estimate_usd: Decimal = Decimal(0)
    ) -> _RedisLease | _NoLease:
        lease_id, waiter = uuid.uuid4().hex, uuid.uuid4().hex
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = _POLL_FIRST
        gate = self._loop_gate()
        try:
            await asyncio.wait_for(gate.acquire(), timeout)
        except asyncio.TimeoutError:
            raise LimiterTimeoutError(
                f"no slot of {self.name!r} came free within {timeout} s"
            ) from None
        try:
            while True:
                taken, detail = await self._arun(
                    _scripts.ACQUIRE, self._acquire_args(lease_id, waiter, estimate_usd)
                )
                if taken == 1:
                    return self._held_lease(lease_id)
                self._refuse(taken, detail, estimate_usd)
                pause = self._pause(pause, detail, deadline, timeout)
                await asyncio.sleep(pause)
        except _redis_errors() as exc:
            return self._unavailable(exc)
        except BaseException:
            self._forget_waiter(waiter)  # cancelled or refused: leave the queue at once
            raise
        finally:
            gate.release()

    def _acquire_args(
        self, lease_id: str, waiter: str, estimate: Decimal
    ) -> tuple[list[str], list[object]]:
        k = self.keys
        keys = [k["slots"], k["queue"], k["seen"], k["cap"], k["cool"], k["spent"], k["reserved"]]
        budget = -1 if self.max_cost_usd is None else _micro(self.max_cost_usd)
        stale_ms = max(1000, int(_POLL_MOST * 1000 * 20))
        args: list[object] = [
            lease_id,
            waiter,
            int(self.lease_seconds * 1000),
            self.max_concurrency,
            -1 if self.max_queued is None else self.max_queued,
            budget,
            _micro(estimate),
            stale_ms,
            _KEY_TTL_MS,
        ]
        return keys, args

    def _refuse(self, taken: int, detail: int, estimate: Decimal) -> None:
        if taken == -1:
            committed = Decimal(detail) / _MICRO
            raise BudgetExceededError(
                f"the shared budget of ${self.max_cost_usd} for {self.name!r} would be passed: "
                f"${committed:.6f} spent or in flight, this request ~${estimate:.6f}"
            )
        if taken == -2:
            raise LimiterQueueFullError(
                f"{detail} requests are waiting for {self.name!r}'s slots already "
                f"(max_queued={self.max_queued})"
            )

    def _pause(
        self, pause: float, cool_ms: int, deadline: float | None, timeout: float | None
    ) -> float:
        wait = max(pause, cool_ms / 1000)
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LimiterTimeoutError(f"no slot of {self.name!r} came free within {timeout} s")
            wait = min(wait, left)
        return min(wait, max(_POLL_MOST, cool_ms / 1000))

    def _held_lease(self, lease_id: str) -> _RedisLease:
        with self._held_lock:
            self._held.add(lease_id)
            if self._renewer is None or not self._renewer.is_alive():
                self._renewer = threading.Thread(
                    target=_renew_forever,
                    args=(weakref.ref(self),),
                    name=f"deepseek-ext lease renewal ({self.name})",
                    daemon=True,
                )
                self._renewer.start()
        return _RedisLease(self, lease_id)

    def _unavailable(self, exc: BaseException) -> _NoLease:
        if self.fail_open:
            logger.warning(
                "Redis at %s could not be reached (%s); sending without a shared slot "
                "(fail_open=True)",
                self._where,
                type(exc).__name__,
            )
            return _NoLease()
        raise LimiterUnavailableError(
            f"Redis at {self._where} could not be reached for the limiter {self.name!r} "
            f"({type(exc).__name__}: {exc}); nothing was sent (fail closed: pass "
            "fail_open=True to send without a slot while Redis is down)"
        ) from exc

    def _forget_waiter(self, waiter: str) -> None:
        try:
            self._redis.zrem(self.keys["queue"], waiter)
            self._redis.zrem(self.keys["seen"], waiter)
        except Exception:  # best effort: a stale waiter is dropped after it stops asking
            logger.debug("could not leave the queue of %s", self.name)

    # -- releasing and settling -----------------------------------------------------------

    def _release_args(
        self, lease_id: str, rate_limited: bool, cost: Decimal | None
    ) -> tuple[list[str], list[object]]:
        k = self.keys
        keys = [k["slots"], k["reserved"], k["spent"], k["cap"], k["ok"], k["cool"], k["cut"]]
        args: list[object] = [
            lease_id,
            -1 if cost is None else _micro(cost),
            int(rate_limited),
            self.max_concurrency,
            int(self.cooldown_seconds * 1000),
            _KEY_TTL_MS,
            max(1, int(self.cut_window_seconds * 1000)),
        ]
        return keys, args

    def _release(self, lease_id: str, rate_limited: bool, cost: Decimal | None) -> None:
        with self._held_lock:
            self._held.discard(lease_id)
        try:
            self._run(_scripts.RELEASE, self._release_args(lease_id, rate_limited, cost))
        except _redis_errors() as exc:
            # The answer is the caller's whatever Redis does: the slot expires on its own.
            logger.warning("could not release a slot of %s (%s): it expires", self.name, exc)

    async def _arelease(self, lease_id: str, rate_limited: bool, cost: Decimal | None) -> None:
        with self._held_lock:
            self._held.discard(lease_id)
        try:
            await self._arun(_scripts.RELEASE, self._release_args(lease_id, rate_limited, cost))
        except _redis_errors() as exc:
            logger.warning("could not release a slot of %s (%s): it expires", self.name, exc)

    def settle(self, delta_usd: Decimal) -> None:
        """Corrects the spend by what an answer really cost minus its estimate."""
        if self.max_cost_usd is None or not delta_usd:
            return
        try:
            self._run(_scripts.SETTLE, ([self.keys["spent"]], [_micro(delta_usd), _KEY_TTL_MS]))
        except _redis_errors() as exc:
            logger.warning("could not settle the spend of %s (%s)", self.name, exc)

    async def asettle(self, delta_usd: Decimal) -> None:
        if self.max_cost_usd is None or not delta_usd:
            return
        try:
            await self._arun(
                _scripts.SETTLE, ([self.keys["spent"]], [_micro(delta_usd), _KEY_TTL_MS])
            )
        except _redis_errors() as exc:
            logger.warning("could not settle the spend of %s (%s)", self.name, exc)

    def spent_usd(self) -> Decimal:
        """What the account spent so far, as recorded in Redis."""
        value = self._redis.get(self.keys["spent"])
        return Decimal(int(value or 0)) / _MICRO

    def in_flight(self) -> int:
        """Leases held now, across every worker (expired ones included until reclaimed)."""
        return int(self._redis.zcard(self.keys["slots"]))

    def renew(self) -> None:
        """Extends every lease this process holds (the renewal thread calls it)."""
        with self._held_lock:
            held = list(self._held)
        if held:
            self._run(
                _scripts.RENEW, ([self.keys["slots"]], [int(self.lease_seconds * 1000), *held])
            )

    # -- Redis calls ----------------------------------------------------------------------

    def _run(self, script: str, keys_args: tuple[list[str], list[object]]) -> Any:
        keys, args = keys_args
        return self._script(self._redis, script)(keys=keys, args=args)

    async def _arun(self, script: str, keys_args: tuple[list[str], list[object]]) -> Any:
        keys, args = keys_args
        client = self._async_client()
        if client is None:  # a sync client only: run it off the event loop
            return await asyncio.to_thread(self._run, script, keys_args)
        return await self._script(client, script)(keys=keys, args=args)

    def _script(self, client: Any, script: str) -> Any:
        """redis-py's `Script` for `client`: sent once, then run by its SHA (EVALSHA), which
        halves what each call sends and parses."""
        registered = self._registered.get((id(client), script))
        if registered is None:
            registered = client.register_script(script)
            self._registered[(id(client), script)] = registered
        return registered

    def _loop_gate(self) -> asyncio.Lock:
        """The gate of the running event loop (an asyncio lock belongs to one loop)."""
        loop = asyncio.get_running_loop()
        gate = self._loop_gates.get(loop)
        if gate is None:
            gate = self._loop_gates[loop] = asyncio.Lock()
        return gate

    def _async_client(self) -> Any:
        """redis-py's asyncio clients belong to one event loop: one per loop, as the core's
        async clients are."""
        if self._async_factory is None:
            return None
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            client = self._async_clients[loop] = self._async_factory()
        return client


def _renew_forever(ref: weakref.ref[RedisLimiter]) -> None:
    """Renews the leases of the limiter `ref` names until it is gone."""
    while True:
        limiter = ref()
        if limiter is None:
            return
        period = limiter.lease_seconds / 3
        try:
            limiter.renew()
        except Exception as exc:  # Redis down: leases expire, as they must
            logger.warning("could not renew the slots of %s (%s)", limiter.name, exc)
        del limiter
        time.sleep(period)


def _describe(client: Any) -> str:
    """Where the Redis is, without its password."""
    try:
        kwargs = client.connection_pool.connection_kwargs
        host, port, db = kwargs.get("host"), kwargs.get("port"), kwargs.get("db", 0)
        if host is not None:
            return mask_url(f"redis://{host}:{port}/{db}")
        return str(kwargs.get("path") or "redis")
    except AttributeError:
        return type(client).__name__
