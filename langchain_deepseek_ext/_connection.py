"""Connection settings shared by `ChatDeepSeek` and `DeepSeekFIM`, and their lazily built clients.

The core clients are created on first use and kept in private attributes, so they are never
serialized, copied into `repr`, or built for a model that is only configured and dumped.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from langchain_core.utils import secret_from_env
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr
from typing_extensions import Self

from deepseek_ext_core import AsyncDeepSeekClient, DeepSeekClient
from deepseek_ext_core.integration import (
    AsyncClientPerLoop,
    deepcopy_model,
    mask_mapping,
    mask_url,
)

from ._arguments import StrictArguments

__all__ = [
    "DEFAULT_API_BASE",
    "DEFAULT_BETA_API_BASE",
    "DeepSeekConnection",
    "MaskedCredentials",
    "PartConnection",
]

_URL_FIELDS = frozenset({"api_base", "base_url", "beta_base_url"})
_MAPPING_FIELDS = frozenset({"default_headers", "default_query"})


def _masked(name: str, value: Any) -> Any:
    if name in _URL_FIELDS and isinstance(value, str):
        return mask_url(value)
    if name in _MAPPING_FIELDS and isinstance(value, Mapping):
        return mask_mapping(value)
    return value


class MaskedCredentials:
    """Credentials given outside `api_key` (an `api-key` header, a `key` query parameter,
    `user:pass@` in the base URL) are masked in `repr` and in `dumpd`/`dumps`, as the key is.

    A mixin listed before `BaseChatModel`/`BaseLLM`, whose `to_json` and `__repr_args__` would
    otherwise come first. A loaded model gets its credentials from its constructor again."""

    def to_json(self) -> Any:
        serialized = super().to_json()  # type: ignore[misc]
        kwargs = serialized.get("kwargs") if isinstance(serialized, dict) else None
        if isinstance(kwargs, dict):
            serialized["kwargs"] = {name: _masked(name, value) for name, value in kwargs.items()}
        return serialized

    def __repr_args__(self) -> Any:
        return [(name, _masked(name or "", value)) for name, value in super().__repr_args__()]  # type: ignore[misc]


DEFAULT_API_BASE = "https://api.deepseek.com/v1"
"""The default base URL, as langchain-deepseek names it (DeepSeek's `/v1` alias of its root)."""
DEFAULT_BETA_API_BASE = "https://api.deepseek.com/beta"
"""DeepSeek's beta base URL, as langchain-deepseek names it."""


def _base_url_from_env() -> str:
    return (
        os.environ.get("DEEPSEEK_API_BASE")
        or os.environ.get("DEEPSEEK_BASE_URL")
        or DEFAULT_API_BASE
    )


class DeepSeekConnection(BaseModel):
    """API key, base URL, timeouts, retries and injected HTTP clients."""

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("DEEPSEEK_API_KEY", default=None)
    )
    """DeepSeek API key; read from `DEEPSEEK_API_KEY` when not given."""
    api_base: str = Field(alias="base_url", default_factory=_base_url_from_env)
    """The base URL requests go to: as given, else `DEEPSEEK_API_BASE`, else `DEEPSEEK_BASE_URL`,
    else `DEFAULT_API_BASE` (`https://api.deepseek.com/v1`, langchain-deepseek's default). Any of
    DeepSeek's documented bases (its root, `/v1`, `/beta`) reaches every endpoint."""
    beta_base_url: str | None = None
    """Where strict tools, prefix completion and FIM go on a gateway or self-hosted server. On
    DeepSeek's own host they go to its `/beta` by themselves; on another base, to the base as
    given unless this is set."""
    allow_insecure_http: bool = False
    """Allow a plain `http://` base URL on a host other than this machine (a gateway on a
    network you trust). Refused by default: the API key would travel unencrypted."""
    request_timeout: float | None = Field(default=None, alias="timeout")
    """Request timeout in seconds (None: the core's default)."""
    max_retries: int | None = None
    """Retries for 429, 5xx and transport errors (None: the core's default, 2)."""
    default_headers: Mapping[str, str] | None = None
    """Extra HTTP headers sent with every request."""
    default_query: Mapping[str, object] | None = None
    """Query parameters added to every request URL (an `api-version` a gateway needs, say)."""
    http_client: Any | None = Field(default=None, exclude=True)
    """An `httpx.Client` to send sync requests with (proxies, custom TLS, ...)."""
    http_async_client: Any | None = Field(default=None, exclude=True)
    """An `httpx.AsyncClient` to send async requests with."""
    limiter: Any | None = Field(default=None, exclude=True)
    """A limiter the account's workers share (`deepseek_ext_core.RedisLimiter` or
    `InProcessLimiter`): requests in flight, spend and back-off after 429s. Never serialized."""

    _sync_client: DeepSeekClient | None = PrivateAttr(default=None)
    _async_clients: AsyncClientPerLoop | None = PrivateAttr(default=None)

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        # A pickle never carries the key (nor live HTTP clients): an unpickled copy has no key
        # of its own, so its core client reads DEEPSEEK_API_KEY when it is first used.
        state["__dict__"] = {
            **state["__dict__"],
            "api_key": None,
            "http_client": None,
            "http_async_client": None,
            "limiter": None,
        }
        state["__pydantic_private__"] = {"_sync_client": None, "_async_clients": None}
        return state

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        # A copy builds its own core clients on first use and shares the injected httpx ones
        # (LangGraph deep-copies models; live clients hold locks and sockets).
        return deepcopy_model(
            self,
            memo,
            fresh_private={"_sync_client": None, "_async_clients": None},
            shared=(self.http_client, self.http_async_client, self.limiter),
        )

    def _client_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "api_key": self.api_key,
            "base_url": self.api_base,
            "timeout": self.request_timeout,
            "default_headers": self.default_headers,
            "default_query": self.default_query,
            "beta_base_url": self.beta_base_url,
            "allow_insecure_http": self.allow_insecure_http,
            "limiter": self.limiter,
        }
        if self.max_retries is not None:
            kwargs["max_retries"] = self.max_retries
        return kwargs

    @property
    def client(self) -> DeepSeekClient:
        """The sync core client, built on first use."""
        if self._sync_client is None:
            self._sync_client = DeepSeekClient(
                **self._client_kwargs(), http_client=self.http_client
            )
        return self._sync_client

    @property
    def async_client(self) -> AsyncDeepSeekClient:
        """The async core client of the running event loop, built on first use there.

        One per loop: `asyncio.run` per question, or threads that each run a loop, all work
        with one model (docs: README "Reliability"). Read it from a coroutine."""
        if self._async_clients is None:
            self._async_clients = AsyncClientPerLoop(self._new_async_client)
        return self._async_clients.get()

    def _new_async_client(self) -> AsyncDeepSeekClient:
        return AsyncDeepSeekClient(**self._client_kwargs(), http_client=self.http_async_client)


class PartConnection(StrictArguments, DeepSeekConnection):
    """The connection settings of a part that is not itself a pydantic model (a loader, a
    parser); a misspelt one raises `TypeError` naming it."""
