"""One exception tree for everything that can go wrong talking to DeepSeek.

```
DeepSeekError
 ├── APIStatusError                      an HTTP error answer (status, message, type, request id)
 │    ├── BadRequestError          400
 │    │    └── ContextLengthExceededError   400 whose message names the context length
 │    ├── AuthenticationError      401
 │    ├── InsufficientBalanceError 402
 │    ├── UploadTimeoutError       408  an OCR/ASR upload too slow (not retried)
 │    ├── PayloadTooLargeError     413  an OCR/ASR file over DeepSeek's limit
 │    ├── UnprocessableEntityError 422
 │    ├── RateLimitError           429
 │    ├── InternalServerError      500 and any other 5xx
 │    │    └── IncompleteGenerationError  a 200 answer cut by insufficient_system_resource
 │    └── ServiceUnavailableError  503
 ├── APIConnectionError                  the request did not get an answer
 │    └── APITimeoutError
 ├── StreamTruncatedError                a stream closed without `data: [DONE]`
 ├── InvalidResponseError                a 2xx body that is empty or not the expected JSON
 ├── UploadOutcomeUnknownError           an upload failed after it was sent (not sent again)
 ├── LimiterError                        a shared limit refused or could not be asked
 │    ├── LimiterUnavailableError        Redis down or slow (fail closed: nothing was sent)
 │    ├── LimiterTimeoutError            no slot within the caller's timeout
 │    ├── LimiterQueueFullError          too many waiting already (back-pressure)
 │    └── BudgetExceededError            the shared spend cap is reached
 └── InvalidRequestError (ValueError)    rejected before anything was sent
      ├── InvalidConversationError
      ├── ThinkingModeConflictError
      ├── UnsupportedInputError
      ├── StrictSchemaError
      └── MissingAPIKeyError
```

Status classes follow DeepSeek's error table (docs/deepseek-api.md §7.1); HTTP status decides first,
because DeepSeek's `code` is often the generic `invalid_request_error` even for auth errors
(docs/deepseek-api.md §7.2). Messages never contain the API key: DeepSeek's own 401 text echoes only
its last four characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # _response imports nothing of this module, but errors load first
    from ._response import ChatCompletion

REQUEST_ID_HEADERS = ("x-ds-trace-id", "x-request-id", "x-deepseek-request-id")
_REQUEST_ID_IN_MESSAGE = re.compile(r"request_id:\s*([0-9a-fA-F-]{8,})")
_CONTEXT_LENGTH_PHRASES = ("maximum context length", "context length", "context_length")


class DeepSeekError(Exception):
    """Base class of every error this package raises."""


class APIStatusError(DeepSeekError):
    """DeepSeek answered with an HTTP error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error_type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        body: object = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.error_type = error_type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.body = body
        self.retry_after = retry_after
        """Seconds from the answer's `Retry-After` header, honoured by the retry policy."""

    def __str__(self) -> str:
        suffix = f" (request id {self.request_id})" if self.request_id else ""
        return f"DeepSeek API error {self.status_code}: {self.message}{suffix}"


class BadRequestError(APIStatusError):
    """400: the request body was rejected (bad model name, tool protocol, pass-back, ...)."""


class ContextLengthExceededError(BadRequestError):
    """400 because the prompt plus max_tokens does not fit the model's context window."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class InsufficientBalanceError(APIStatusError):
    """402: the account balance is exhausted; top up at https://platform.deepseek.com/top_up."""


class UploadTimeoutError(APIStatusError):
    """408: an OCR or ASR upload did not finish in time (docs/deepseek-api.md §6.11-6.12: OCR
    within 120 s with no pause over 30 s). Not retried: the same upload over the same link
    would be as slow."""


class PayloadTooLargeError(APIStatusError):
    """413: a file over the endpoint's limit (OCR 100 MiB, ASR 8 MiB); checked before sending
    too, so this comes from a limit DeepSeek changed or a gateway's own."""


class UnprocessableEntityError(APIStatusError):
    """422: the body parsed but a parameter value is invalid."""


class RateLimitError(APIStatusError):
    """429: too many requests or concurrent requests; retried with backoff."""


class InternalServerError(APIStatusError):
    """500 (and any other 5xx without a class of its own): retried."""


class IncompleteGenerationError(InternalServerError):
    """A non-streaming answer ended with `insufficient_system_resource` (retried, then returned).

    `completion` is the answer as far as DeepSeek wrote it: when the retries run out it is
    returned to the caller instead of raising, so what was paid for is never thrown away.
    """

    def __init__(self, completion: ChatCompletion) -> None:
        super().__init__(
            "generation interrupted: insufficient_system_resource",
            status_code=200,
            request_id=completion.request_id,
        )
        self.completion = completion


class ServiceUnavailableError(APIStatusError):
    """503: DeepSeek is overloaded; retried."""


class APIConnectionError(DeepSeekError):
    """The request failed before an answer arrived (refused, reset, DNS, TLS, protocol)."""


class APITimeoutError(APIConnectionError):
    """The connect, read, write or pool timeout ran out."""


class StreamTruncatedError(DeepSeekError):
    """A stream closed without `data: [DONE]`.

    Raised after every chunk that did arrive has been delivered; `chunks_received` says how many.
    On a chat stream, `partial` is the merged completion of what arrived (its text, reasoning,
    tool calls, finish reason and usage, as far as they came), so a caller that only sees the
    error, such as a framework's `invoke` over a stream, loses nothing it was sent.
    """

    def __init__(self, message: str, *, chunks_received: int = 0) -> None:
        super().__init__(message)
        self.chunks_received = chunks_received
        self.partial: ChatCompletion | None = None


class InvalidResponseError(DeepSeekError):
    """A success status whose body is empty or not the JSON DeepSeek documents."""


class UploadOutcomeUnknownError(DeepSeekError):
    """An upload failed after its bytes were sent (a read timeout, a broken answer, a lost
    connection): DeepSeek may have stored the file. It is not sent again, which could store a
    second copy whose id nobody sees; `upload_file` looks for the first one before raising.
    `filename` and `size` say what was sent; the cause is `__cause__`."""

    def __init__(self, message: str, *, filename: str, size: int) -> None:
        super().__init__(message)
        self.filename = filename
        self.size = size


class LimiterError(DeepSeekError):
    """A concurrency or budget limiter refused the request or could not be asked; nothing was
    sent (see `deepseek_ext_core.limits`)."""


class LimiterUnavailableError(LimiterError):
    """The limiter's store (Redis) could not be reached in time: with `fail_open=False` (the
    default) no request is sent without a slot."""


class LimiterTimeoutError(LimiterError):
    """No slot came free within the caller's timeout."""


class LimiterQueueFullError(LimiterError):
    """More requests were waiting for a slot than `max_queued` allows."""


class BudgetExceededError(LimiterError):
    """The shared spend cap would be passed by this request (estimated before sending)."""


class InvalidRequestError(DeepSeekError, ValueError):
    """The request was refused locally, before anything was sent."""


class InvalidConversationError(InvalidRequestError):
    """The message list breaks DeepSeek's multi-round rules (docs/deepseek-api.md §2.2)."""


class ThinkingModeConflictError(InvalidRequestError):
    """Explicit thinking mode combined with a parameter DeepSeek rejects in thinking mode."""


class UnsupportedInputError(InvalidRequestError):
    """An input the chosen model cannot take (an image for a text-only model, say)."""


class StrictSchemaError(InvalidRequestError):
    """A JSON Schema that DeepSeek's strict tool mode cannot accept (docs/deepseek-api.md §5.3)."""


class MissingAPIKeyError(InvalidRequestError):
    """No API key was given and `DEEPSEEK_API_KEY` is not set."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientBalanceError,
    408: UploadTimeoutError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    503: ServiceUnavailableError,
}


def find_request_id(headers: Mapping[str, str], message: str = "") -> str | None:
    """The request id from DeepSeek's trace header, or from the `(request_id: ...)` in a message."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    match = _REQUEST_ID_IN_MESSAGE.search(message)
    return match.group(1) if match else None


def _parse_error_body(content: bytes) -> tuple[object, dict[str, Any]]:
    """The body as JSON when it is JSON (whatever the content type), and its `error` object."""
    try:
        body: object = json.loads(content.decode("utf-8", errors="replace").strip() or "null")
    except ValueError:
        return content.decode("utf-8", errors="replace"), {}
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return body, error
        if isinstance(error, str):
            return body, {"message": error}
        if isinstance(body.get("message"), str):
            return body, body
    return body, {}


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def error_from_response(
    status_code: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    retry_after: float | None = None,
    hint: str | None = None,
) -> APIStatusError:
    """The typed error for an HTTP error answer; tolerates bodies that are not JSON. `hint`,
    when given, is added to the message (what the caller can do about it)."""
    body, details = _parse_error_body(content)
    message = _optional_str(details.get("message"))
    if message is None:
        text = body if isinstance(body, str) else ""
        message = text.strip()[:500] or f"HTTP {status_code} with no error message"
    cls = _STATUS_CLASSES.get(status_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else APIStatusError
    if cls is BadRequestError and any(p in message.lower() for p in _CONTEXT_LENGTH_PHRASES):
        cls = ContextLengthExceededError
    if hint:
        message = f"{message}; {hint}"
    kwargs: dict[str, Any] = {
        "status_code": status_code,
        "error_type": _optional_str(details.get("type")),
        "code": _optional_str(details.get("code")),
        "param": _optional_str(details.get("param")),
        "request_id": find_request_id(headers, message),
        "body": body,
        "retry_after": retry_after,
    }
    return cls(message, **kwargs)


def error_from_stream_event(payload: Mapping[str, Any], request_id: str | None) -> APIStatusError:
    """The typed error for an in-stream `{"error": {...}}` event (no status: treated as 500)."""
    error = payload.get("error")
    details: dict[str, Any] = error if isinstance(error, dict) else {"message": str(error)}
    message = _optional_str(details.get("message")) or "error event in stream"
    raw_status = details.get("status") or details.get("status_code")
    status = raw_status if isinstance(raw_status, int) else 500
    cls = _STATUS_CLASSES.get(status, InternalServerError)
    return cls(
        message,
        status_code=status,
        error_type=_optional_str(details.get("type")),
        code=_optional_str(details.get("code")),
        request_id=request_id or find_request_id({}, message),
        body=dict(payload),
    )
