"""What `DeepSeek` and `DeepSeekFIM` share: the key and connection fields, lazily built core
clients, and pickles that never carry the key.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, SecretStr, field_serializer, model_validator
from typing_extensions import Self

from deepseek_ext_core import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    AsyncDeepSeekClient,
    DeepSeekClient,
)
from deepseek_ext_core.integration import (
    AsyncClientPerLoop,
    deepcopy_model,
    mask_mapping,
    mask_url,
)

from ._arguments import declared_names, sort_constructor_arguments


class DeepSeekConnection(BaseModel):
    """Key, base URL, timeout and retries, and the core clients built from them on first use."""

    api_key: SecretStr | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="API key; defaults to env DEEPSEEK_API_KEY. Never serialized or pickled.",
    )
    api_base: str = Field(
        default_factory=lambda: os.environ.get("DEEPSEEK_BASE_URL") or DEFAULT_BASE_URL,
        description="The base URL requests go to: as given, else env DEEPSEEK_BASE_URL, else "
        "https://api.deepseek.com.",
    )
    beta_base_url: str | None = Field(
        default=None,
        description="Where strict tools, prefix completion and FIM go on a gateway or "
        "self-hosted server; on DeepSeek's host they go to its /beta by themselves.",
    )
    allow_insecure_http: bool = Field(
        default=False,
        description="Allow a plain http:// base URL on a host other than this machine (a "
        "gateway on a network you trust); refused by default, the key would travel unencrypted.",
    )
    api_version: str | None = Field(
        default=None,
        description="Sent as the `api-version` query parameter (Azure AI deployments need it).",
    )
    default_query: dict[str, str] | None = Field(
        default=None, description="Query parameters added to every request URL."
    )
    timeout: float | None = Field(default=None, description="Request timeout in seconds.")
    max_retries: int = Field(
        default=DEFAULT_MAX_RETRIES, description="Retries of one request (one retry layer)."
    )
    default_headers: dict[str, str] | None = Field(
        default=None, description="Extra HTTP headers for every request."
    )
    http_client: Any | None = Field(
        default=None,
        exclude=True,
        description="An `httpx.Client` for sync requests (proxies, TLS settings, mounts); "
        "never closed by this object.",
    )
    async_http_client: Any | None = Field(
        default=None,
        exclude=True,
        description="An `httpx.AsyncClient` for async requests; never closed by this object.",
    )
    limiter: Any | None = Field(
        default=None,
        exclude=True,
        description="A limiter the account's workers share (deepseek_ext_core.RedisLimiter or "
        "InProcessLimiter): requests in flight, spend and back-off after 429s. Never serialized.",
    )

    _client: DeepSeekClient | None = PrivateAttr(default=None)
    _aclients: AsyncClientPerLoop | None = PrivateAttr(default=None)

    # Credentials given outside `api_key` (an `api-key` header, a `key` query parameter,
    # `user:pass@` in a URL) are masked in `to_dict`/`to_json` and `repr`, as the key is left
    # out: a loaded model gets them from its constructor again.
    @field_serializer("api_base", "beta_base_url")
    def _masked_url(self, value: str | None) -> str | None:
        return None if value is None else mask_url(value)

    @field_serializer("default_headers", "default_query")
    def _masked_mapping(self, value: dict[str, str] | None) -> dict[str, object] | None:
        return mask_mapping(value)

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name in ("api_base", "beta_base_url") and isinstance(value, str):
                yield name, mask_url(value)
            elif name in ("default_headers", "default_query") and isinstance(value, dict):
                yield name, mask_mapping(value)
            else:
                yield name, value

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        # The key never travels with a pickle; an unpickled copy reads DEEPSEEK_API_KEY again.
        dropped = ("api_key", "http_client", "async_http_client", "limiter")
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k not in dropped}
        state["__pydantic_private__"] = {"_client": None, "_aclients": None}
        return state

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        # A copy builds its own core clients on first use and shares the injected httpx ones
        # (LlamaIndex deep-copies models; live clients hold locks and sockets).
        return deepcopy_model(
            self,
            memo,
            fresh_private={"_client": None, "_aclients": None},
            shared=(self.http_client, self.async_http_client, self.limiter),
        )

    def _client_options(self) -> dict[str, Any]:
        return {
            "api_key": self.api_key,
            "base_url": self.api_base,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": self.default_headers,
            "default_query": self._query(),
            "beta_base_url": self.beta_base_url,
            "allow_insecure_http": self.allow_insecure_http,
            "limiter": self.limiter,
        }

    def _query(self) -> dict[str, str] | None:
        query = dict(self.default_query or {})
        if self.api_version is not None:
            query.setdefault("api-version", self.api_version)
        return query or None

    def _get_client(self) -> DeepSeekClient:
        if self._client is None:
            self._client = DeepSeekClient(**self._client_options(), http_client=self.http_client)
        return self._client

    def _get_aclient(self) -> AsyncDeepSeekClient:
        """The async core client of the running event loop (one per loop, see
        `deepseek_ext_core.integration.AsyncClientPerLoop`)."""
        if self._aclients is None:
            self._aclients = AsyncClientPerLoop(
                lambda: AsyncDeepSeekClient(
                    **self._client_options(), http_client=self.async_http_client
                )
            )
        return self._aclients.get()


class PartConnection(DeepSeekConnection):
    """The connection settings of a reader, retriever or tool spec, and nothing else: a
    misspelt one raises `TypeError`."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_undeclared_arguments(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        return sort_constructor_arguments(
            "the connection settings", values, declared_names(cls), {}, chat_model=False
        )
