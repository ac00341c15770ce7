"""Errors that speak both vocabularies: the core's and langchain-core's.

Each class below subclasses the `deepseek_ext_core` error and the matching
`langchain_core.exceptions` type, so `except deepseek_ext_core.RateLimitError` and
`except langchain_core.exceptions.ModelRateLimitError` both catch a 429:

```
core class                        also a (langchain_core.exceptions)
BadRequestError (400)             ModelInvalidRequestError
 └── ContextLengthExceededError   ContextOverflowError
AuthenticationError (401)         ModelAuthenticationError
InsufficientBalanceError (402)    ModelError
UnprocessableEntityError (422)    ModelInvalidRequestError
RateLimitError (429)              ModelRateLimitError
InternalServerError (5xx)         ModelAPIError
 └── IncompleteGenerationError    ModelAPIError
ServiceUnavailableError (503)     ModelAPIError
APIConnectionError                ModelConnectionError
 └── APITimeoutError              ModelTimeoutError
StreamTruncatedError              ModelAPIError
InvalidResponseError              ModelAPIError
```

Errors raised before sending (`InvalidRequestError` and its subclasses, all `ValueError`s) are
passed through unchanged. `translate_errors` is the single point where the mapping happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from langchain_core import exceptions as lc

import deepseek_ext_core as core

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContextLengthExceededError",
    "IncompleteGenerationError",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidResponseError",
    "RateLimitError",
    "ServiceUnavailableError",
    "StreamTruncatedError",
    "UnprocessableEntityError",
    "to_langchain_error",
    "translate_errors",
]


class BadRequestError(core.BadRequestError, lc.ModelInvalidRequestError):
    """400 from DeepSeek."""


class ContextLengthExceededError(
    core.ContextLengthExceededError, BadRequestError, lc.ContextOverflowError
):
    """400 because the prompt plus `max_tokens` exceeds the context window."""


class AuthenticationError(core.AuthenticationError, lc.ModelAuthenticationError):
    """401: wrong or revoked API key."""


class InsufficientBalanceError(core.InsufficientBalanceError, lc.ModelError):
    """402: the account balance is exhausted."""


class UnprocessableEntityError(core.UnprocessableEntityError, lc.ModelInvalidRequestError):
    """422: a parameter value is invalid."""


class RateLimitError(core.RateLimitError, lc.ModelRateLimitError):
    """429: too many requests or concurrent requests."""


class InternalServerError(core.InternalServerError, lc.ModelAPIError):
    """500 or another 5xx."""


class IncompleteGenerationError(core.IncompleteGenerationError, InternalServerError):
    """A 200 answer cut short by `insufficient_system_resource`, after the core's retries."""


class ServiceUnavailableError(core.ServiceUnavailableError, lc.ModelAPIError):
    """503: DeepSeek is overloaded."""


class APIConnectionError(core.APIConnectionError, lc.ModelConnectionError):
    """The request got no answer."""


class APITimeoutError(core.APITimeoutError, APIConnectionError, lc.ModelTimeoutError):
    """The request timed out."""


class StreamTruncatedError(core.StreamTruncatedError, lc.ModelAPIError):
    """A stream closed without `data: [DONE]`."""


class InvalidResponseError(core.InvalidResponseError, lc.ModelAPIError):
    """A 2xx answer that was empty or not the expected JSON."""


# Most specific first: the first core class in an error's MRO found here wins.
_MAPPING: dict[type[core.DeepSeekError], type[core.DeepSeekError]] = {
    core.ContextLengthExceededError: ContextLengthExceededError,
    core.BadRequestError: BadRequestError,
    core.AuthenticationError: AuthenticationError,
    core.InsufficientBalanceError: InsufficientBalanceError,
    core.UnprocessableEntityError: UnprocessableEntityError,
    core.RateLimitError: RateLimitError,
    core.ServiceUnavailableError: ServiceUnavailableError,
    core.IncompleteGenerationError: IncompleteGenerationError,
    core.InternalServerError: InternalServerError,
    core.APITimeoutError: APITimeoutError,
    core.APIConnectionError: APIConnectionError,
    core.StreamTruncatedError: StreamTruncatedError,
    core.InvalidResponseError: InvalidResponseError,
}


def to_langchain_error(exc: core.DeepSeekError) -> core.DeepSeekError:
    """The dual-vocabulary twin of `exc` (same attributes and message), or `exc` itself."""
    if isinstance(exc, tuple(_MAPPING.values())):
        return exc
    for klass in type(exc).__mro__:
        target = _MAPPING.get(klass)
        if target is not None:
            twin = target.__new__(target)
            twin.__dict__.update(exc.__dict__)
            twin.args = exc.args
            return twin
    return exc


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise core errors as their LangChain twins (`raise ... from` the original)."""
    try:
        yield
    except core.DeepSeekError as exc:
        twin = to_langchain_error(exc)
        if twin is exc:
            raise
        raise twin from exc
