"""The I/O-free half of both clients: settings, headers, error mapping, response parsing.

`DeepSeekClient` and `AsyncDeepSeekClient` only send; everything they decide is here, once
(httpx's `BaseClient` split). The API key lives in a `SecretStr` and is read only to build the
Authorization header; no repr, log line or exception holds it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from httpx._client import UseClientDefault
from pydantic import BaseModel, SecretStr, ValidationError

from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    user_agent,
)
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    DeepSeekError,
    InvalidRequestError,
    InvalidResponseError,
    MissingAPIKeyError,
    error_from_response,
    error_from_stream_event,
    find_request_id,
)
from ._response import ChatCompletionChunk, WithRequestId
from ._retry import RetryPolicy, parse_retry_after
from ._secrets import check_api_key, mask_url, scrub_transport_message

logger = logging.getLogger("deepseek_ext_core")

_DEEPSEEK_HOSTS = ("deepseek.com",)
# DeepSeek documents three bases on its own host: the root, `/v1` (kept for OpenAI SDKs) and
# `/beta`. Request paths (`/chat/completions`, `/beta/completions`, ...) are added to the root, so
# every endpoint is reached whichever of the three a user copied (docs/deepseek-api.md §1.1).
_DEEPSEEK_BASE_PATHS = ("", "/v1", "/beta")
BETA_PREFIX = "/beta/"
"""The prefix of the request paths of DeepSeek's beta endpoints (`/beta/chat/completions`...)."""

ModelT = TypeVar("ModelT", bound=BaseModel)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_api_key(api_key: str | SecretStr | None) -> SecretStr | None:
    """The key given, else `DEEPSEEK_API_KEY`; `OPENAI_API_KEY` is never read. Surrounding
    whitespace is dropped; a key that is not visible ASCII is refused without being quoted."""
    if isinstance(api_key, SecretStr):
        value, source = api_key.get_secret_value(), "api_key"
    elif api_key is not None:
        value, source = api_key, "api_key"
    else:
        value, source = os.environ.get("DEEPSEEK_API_KEY", ""), "DEEPSEEK_API_KEY"
    key = check_api_key(value, source=source)
    return SecretStr(key) if key else None


def resolve_base_url(base_url: str | None, *, allow_insecure_http: bool) -> str:
    """The base URL given, else `DEEPSEEK_BASE_URL`, else DeepSeek's; http only to loopback."""
    url = base_url or os.environ.get("DEEPSEEK_BASE_URL") or DEFAULT_BASE_URL
    return checked_url(url, allow_insecure_http=allow_insecure_http)


def beta_base_url_from_env(base_url: str) -> str | None:
    """`DEEPSEEK_BETA_BASE_URL`, for a client whose base URL is the environment's.

    The two variables go together (the emulator prints both): the beta base is read only when
    the base URL in use is the one `DEEPSEEK_BASE_URL` (or LangChain's `DEEPSEEK_API_BASE`)
    names, so a client given another base explicitly never sends its beta requests, and its
    key, to the environment's server.
    """
    beta = os.environ.get("DEEPSEEK_BETA_BASE_URL")
    if not beta:
        return None
    named = {
        os.environ.get(name, "").rstrip("/") for name in ("DEEPSEEK_BASE_URL", "DEEPSEEK_API_BASE")
    }
    return beta if base_url.rstrip("/") in named else None


def checked_url(url: str, *, allow_insecure_http: bool, name: str = "base_url") -> str:
    """`url` without a trailing slash, if it is http(s), and plain http only to loopback or
    with the opt-out (a key sent over plain http can be read on the way)."""
    url = url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequestError(f"{name} must be an http(s) URL, got {url!r}")
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise InvalidRequestError(
            f"refusing plain http:// to {parts.hostname} ({name}): the API key would travel "
            "unencrypted; use https, or pass allow_insecure_http=True (for a gateway or "
            "server on a network you trust)"
        )
    return url


_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_TEXT = re.compile(r"[\x20-\x7e\t]*")


def checked_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """`default_headers`, each name a token and each value printable ASCII: refused before
    sending, naming the header and not its value (which may be a credential), where httpx
    would raise a `UnicodeEncodeError` or h11 an error quoting the value."""
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise InvalidRequestError(f"default_headers: {name!r} is not a valid header name")
        if not isinstance(value, str) or not _HEADER_TEXT.fullmatch(value):
            raise InvalidRequestError(
                f"default_headers[{name!r}]: the value must be printable ASCII text "
                "(a line ending, control or non-ASCII character is in it)"
            )
    return {name: value.strip() for name, value in headers.items()}


def is_deepseek_host(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return any(host == d or host.endswith("." + d) for d in _DEEPSEEK_HOSTS)


def request_root(base_url: str) -> str:
    """What request paths are appended to: DeepSeek's origin for any of its documented bases,
    else the base URL as given (a gateway or a self-hosted server), without its query."""
    parts = urlsplit(base_url)
    if is_deepseek_host(base_url) and parts.path.rstrip("/") in _DEEPSEEK_BASE_PATHS:
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def beta_root(base_url: str, beta_base_url: str | None) -> str:
    """Where DeepSeek's beta endpoints (strict tools, prefix completion, FIM) are reached.

    On DeepSeek's own host, whichever documented base was named, it is `/beta` at the origin
    (docs/deepseek-api.md §1.1). A gateway or self-hosted server has no `/beta` of its own, so a
    custom base is used as given, as langchain-deepseek and the OpenAI SDK do, unless the caller
    names a `beta_base_url`.
    """
    named = base_url if beta_base_url is None else beta_base_url
    root = request_root(named)
    if is_deepseek_host(named) and urlsplit(named).path.rstrip("/") in _DEEPSEEK_BASE_PATHS:
        return root + "/beta"
    return root


def query_string(base_url: str, default_query: Mapping[str, object] | None) -> str:
    """The query every request carries: the base URL's own (an Azure `api-version`, say),
    then `default_query`, which wins on a repeated name. `""` when there is none."""
    pairs = dict(parse_qsl(urlsplit(base_url).query, keep_blank_values=True))
    for name, value in (default_query or {}).items():
        pairs[name] = _query_value(value)
    return "?" + urlencode(pairs) if pairs else ""


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_timeout(timeout: float | None, connect_timeout: float | None) -> httpx.Timeout:
    read = DEFAULT_READ_TIMEOUT if timeout is None else timeout
    connect = DEFAULT_CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
    return httpx.Timeout(read, connect=min(connect, read))


_TRANSPORT_ERRORS = (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL, httpx.CookieConflict)


def _mapped(exc: Exception) -> DeepSeekError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"DeepSeek request timed out ({type(exc).__name__})")
    if isinstance(exc, httpx.InvalidURL):
        return InvalidRequestError(f"invalid URL: {exc}")
    reason = scrub_transport_message(str(exc))
    return APIConnectionError(f"connection to DeepSeek failed: {type(exc).__name__}: {reason}")


class _MappedTransportErrors:
    """The one choke point where httpx's exceptions become ours (always `from exc`).

    One shared instance of a class, not `@contextlib.contextmanager`: streams enter it once per
    chunk, where a generator-based context manager costs about 1 µs, a twentieth of a chunk's
    whole cost (docs/changelog.md, 2026-11-22).
    """

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if isinstance(exc, _TRANSPORT_ERRORS):
            raise _mapped(exc) from exc


mapped_transport_errors = _MappedTransportErrors()


class ClientSettings:
    """Resolved settings shared by the sync and async clients."""

    def __init__(
        self,
        *,
        api_key: str | SecretStr | None,
        base_url: str | None,
        timeout: float | None,
        connect_timeout: float | None,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        allow_insecure_http: bool,
        retry_policy: RetryPolicy | None,
        beta_base_url: str | None = None,
        default_query: Mapping[str, object] | None = None,
    ) -> None:
        self.base_url = resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        if beta_base_url is None:
            beta_base_url = beta_base_url_from_env(self.base_url)
        if beta_base_url is not None:
            beta_base_url = checked_url(
                beta_base_url, allow_insecure_http=allow_insecure_http, name="beta_base_url"
            )
        self._root = request_root(self.base_url)
        self.beta_base_url = beta_root(self.base_url, beta_base_url)
        self._query = query_string(self.base_url, default_query)
        self._api_key = resolve_api_key(api_key)
        if self._api_key is None and is_deepseek_host(self.base_url):
            raise MissingAPIKeyError(
                "no DeepSeek API key: pass api_key=... or set DEEPSEEK_API_KEY "
                "(create one at https://platform.deepseek.com/api_keys)"
            )
        self.timeout = build_timeout(timeout, connect_timeout)
        # Given explicitly, the timeout applies to an injected httpx client's requests too;
        # otherwise such a client keeps its own.
        explicit = timeout is not None or connect_timeout is not None
        self.request_timeout: httpx.Timeout | UseClientDefault = (
            self.timeout if explicit else httpx.USE_CLIENT_DEFAULT
        )
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        headers = {"User-Agent": user_agent(), "Accept": "application/json"}
        headers.update(checked_headers(default_headers or {}))
        self._headers = headers

    def __repr__(self) -> str:
        key = "'**********'" if self._api_key else "None"
        return f"ClientSettings(base_url={mask_url(self.base_url)!r}, api_key={key})"

    def client_headers(self) -> dict[str, str]:
        """The key-free headers for an httpx client this library creates. Set once on the
        client, they are not merged into every request again (5 µs a request)."""
        return dict(self._headers)

    def headers(
        self, *, json_body: bool, stream: bool = False, client_has_defaults: bool = False
    ) -> httpx.Headers:
        """Request headers; `httpx.Headers` masks Authorization in its repr, so a traceback
        that captures local variables does not show the key. `client_has_defaults`: the httpx
        client was built with `client_headers()`, so only the per-request ones are needed."""
        headers = {} if client_has_defaults else dict(self._headers)
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key.get_secret_value()}"
        if json_body:
            headers["Content-Type"] = "application/json"
        if stream:
            headers["Accept"] = "text/event-stream"
        return httpx.Headers(headers)

    def url(self, path: str) -> str:
        """The URL of a request path; `/beta/...` paths go below the beta root."""
        if path.startswith(BETA_PREFIX):
            return self.beta_base_url + path[len(BETA_PREFIX) - 1 :] + self._query
        if path.startswith("/v1/") and self._root.endswith("/v1"):
            path = path[3:]  # Search and Fetch live under /v1, which a gateway's base may hold
        return self._root + path + self._query


def no_release() -> None:
    """The release callback when no concurrency limit is set."""
    return None


class BaseClient:
    """What the sync and async clients share: resolved settings, repr, public properties."""

    def __init__(self, settings: ClientSettings, *, owns_http: bool) -> None:
        self._settings = settings
        self._owns_http = owns_http
        """Whether the httpx client was created here (with `settings.client_headers()`)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._settings!r})"

    def _headers(self, *, json_body: bool, stream: bool = False) -> httpx.Headers:
        return self._settings.headers(
            json_body=json_body, stream=stream, client_has_defaults=self._owns_http
        )

    @property
    def base_url(self) -> str:
        """The base URL requests go to."""
        return self._settings.base_url

    @property
    def beta_base_url(self) -> str:
        """Where strict tools, prefix completion and FIM go: `/beta` on DeepSeek's host, else
        the `beta_base_url` given, else the base URL itself."""
        return self._settings.beta_base_url

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy of this client."""
        return self._settings.retry_policy


def raise_for_status(response: httpx.Response, content: bytes) -> None:
    """Raises the typed error for an error status; `content` is the already-read body."""
    if response.status_code < 400:
        return
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    error = error_from_response(
        response.status_code,
        response.headers,
        content,
        retry_after=retry_after,
        hint=_not_found_hint(response),
    )
    logger.debug("DeepSeek error %s (request id %s)", response.status_code, error.request_id)
    raise error


def _not_found_hint(response: httpx.Response) -> str | None:
    """What to do about a 404 from a FIM request at a base other than DeepSeek's host: such
    servers (the emulator, some gateways) serve FIM under a beta base of their own."""
    if response.status_code != 404:
        return None
    url = str(response.request.url)
    path = response.request.url.path.rstrip("/")
    if (
        is_deepseek_host(url)
        or not path.endswith("/completions")
        or path.endswith("/chat/completions")
    ):
        return None
    return (
        f"FIM went to {path} at {response.request.url.host}, which does not serve it: "
        "pass beta_base_url=... (the emulator's is its base URL + '/beta') or set "
        "DEEPSEEK_BETA_BASE_URL"
    )


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: _without_lone_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    return value


def reread_with_json(model: type[ModelT], data: str | bytes) -> ModelT | None:
    r"""`data` as `model`, read the way Python's `json` reads it; None when that fails too.

    Called only after pydantic-core refused `data`. It refuses a JSON string holding a lone
    surrogate escape (`"\ud800"`), which the JSON grammar allows and models do emit; refusing it
    would throw away (and retry, and bill again) an answer that arrived whole. Such text is read
    with `json` instead and each lone surrogate becomes U+FFFD, the replacement character: a
    lone surrogate cannot be encoded as UTF-8, so keeping it would break every later use of the
    text, the next request included.
    """
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if "\\ud" not in text.lower():
        return None
    try:
        loaded = json.loads(text)
        parsed: ModelT = model.__pydantic_validator__.validate_python(
            _without_lone_surrogates(loaded)
        )
    except ValueError:
        return None
    return parsed


def _first_error(exc: ValueError) -> str:
    return exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)


def parse_body(model: type[ModelT], response: httpx.Response, content: bytes) -> ModelT:
    """The body as `model`; leading keep-alive blank lines are fine, empty bodies are not."""
    request_id = find_request_id(response.headers)
    if not content.strip():
        raise InvalidResponseError(f"DeepSeek sent an empty body (request id {request_id})")
    try:
        # The validator itself, not `model_validate_json` (a pure-Python wrapper): every call
        # pays for this line.
        parsed: ModelT = model.__pydantic_validator__.validate_json(content)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        reread = reread_with_json(model, content)
        if reread is None:
            raise InvalidResponseError(
                f"DeepSeek sent a body that is not a valid {model.__name__} "
                f"(request id {request_id}): {_first_error(exc)}"
            ) from exc
        parsed = reread
    if isinstance(parsed, WithRequestId) and not parsed.request_id:
        # A body that names its request (an ASR answer does) keeps DeepSeek's own id; the
        # others get the response header's trace id.
        parsed.request_id = request_id
    return parsed


def parse_json_object(body: bytes, *, what: str, request_id: str | None) -> dict[str, Any]:
    """`body` as a JSON object, or `InvalidResponseError` naming `what` was expected."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise InvalidResponseError(
            f"DeepSeek sent a body that is not a valid {what} (request id {request_id})"
        ) from exc
    if not isinstance(data, dict):
        raise InvalidResponseError(
            f"DeepSeek sent a body that is not a valid {what} (request id {request_id})"
        )
    return data


def parse_event(model: type[ModelT], payload: str, request_id: str | None) -> ModelT:
    """One SSE payload as `model`; an in-stream `{"error": ...}` raises the typed error.

    Runs once per streamed chunk, so it calls the validator and reads `__pydantic_extra__`
    directly: `model_validate_json` and `model_extra` are pure-Python wrappers around them.
    """
    try:
        parsed: ModelT = model.__pydantic_validator__.validate_json(payload)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        reread = reread_with_json(model, payload)
        if reread is None:
            raise InvalidResponseError(f"unparsable stream event: {payload[:200]!r}") from exc
        parsed = reread
    extra: dict[str, Any] | None = parsed.__pydantic_extra__
    if extra and extra.get("error") is not None:
        raise error_from_stream_event(extra, request_id)
    return parsed


parse_chunk: Callable[[str, str | None], ChatCompletionChunk] = partial(
    parse_event, ChatCompletionChunk
)
"""`parse_event` for chat chunks (a `partial`, not a wrapper: one Python frame less per chunk)."""
