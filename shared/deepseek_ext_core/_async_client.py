"""The asynchronous client: the sync client's twin, differing only by `await`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx
from pydantic import SecretStr

if TYPE_CHECKING:
    import asyncio

    from .responses import AsyncResponseStream, Response, ResponseEvent, ResponsesRequest

from ._async_media_client import AsyncMediaMethods
from ._base import (
    BaseClient,
    ClientSettings,
    mapped_transport_errors,
    no_release,
    parse_body,
    parse_event,
    raise_for_status,
)
from ._client import _parsed, check_complete
from ._constants import DEFAULT_MAX_RETRIES
from ._errors import (
    DeepSeekError,
    StreamTruncatedError,
    UploadOutcomeUnknownError,
    find_request_id,
)
from ._files import (
    FILES_PATH,
    FileDeleted,
    FileList,
    FileObject,
    FileSource,
    PreparedUpload,
    check_file_id,
    find_upload,
    list_params,
    outcome_unknown,
    prepare_upload,
    upload_may_have_arrived,
    upload_timeout,
)
from ._prepare import PreparedRequest, prepare_chat_request, prepare_fim_request
from ._request import ChatRequest, FIMRequest
from ._response import Balance, ChatCompletion, ChatCompletionChunk, FIMCompletion, ModelList
from ._retry import RetryPolicy
from ._stream import (
    AsyncChatStream,
    AsyncStream,
    OpenedStream,
    StreamState,
    chunk_has_substance,
    fim_has_substance,
)
from ._telemetry import (
    atraced,
    finish_answer,
    finish_tool,
    follow_chat_stream,
    follow_fim_stream,
    start_operation,
)
from ._tool_answers import chunk_parser, read_answer
from ._web import FetchResult, SearchResponse, fetch_result, prepare_fetch, prepare_search
from .limits._base import Limiter
from .limits._slots import AsyncSlot, mark_status, released, request_estimate, settlement

T = TypeVar("T")
R = TypeVar("R")


class AsyncDeepSeekClient(BaseClient, AsyncMediaMethods):
    """Asynchronous DeepSeek client (same API as `DeepSeekClient`, awaited)."""

    def __init__(
        self,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        max_concurrency: int | None = None,
        allow_insecure_http: bool = False,
        retry_policy: RetryPolicy | None = None,
        beta_base_url: str | None = None,
        default_query: Mapping[str, object] | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        super().__init__(
            ClientSettings(
                api_key=api_key,
                base_url=base_url,
                timeout=timeout,
                connect_timeout=connect_timeout,
                max_retries=max_retries,
                default_headers=default_headers,
                allow_insecure_http=allow_insecure_http,
                retry_policy=retry_policy,
                beta_base_url=beta_base_url,
                default_query=default_query,
            ),
            owns_http=http_client is None,
        )
        self._http = http_client or httpx.AsyncClient(
            timeout=self._settings.timeout, headers=self._settings.client_headers()
        )
        self._slots: asyncio.Semaphore | None = None
        self.shutdown_hook: object | None = None
        """Lives exactly as long as this client (`AsyncClientPerLoop` keeps its loop-shutdown
        generator here, so a request in flight keeps it alive)."""
        if max_concurrency:
            # Imported here, not at the top: whoever runs an async client has asyncio loaded
            # already, and `import deepseek_ext_core` stays 10 ms lighter for sync callers.
            import asyncio

            self._slots = asyncio.Semaphore(max_concurrency)
        self._limiter = limiter
        """A limiter shared with other clients, processes or hosts (`deepseek_ext_core.limits`)."""

    async def _acquire(self, body: Mapping[str, Any] | None = None) -> Callable[[], None]:
        if self._limiter is not None:
            estimate = request_estimate(self._limiter, body)
            lease = await self._limiter.aacquire(
                timeout=self._settings.timeout.read, estimate_usd=estimate
            )
            return AsyncSlot(lease)
        if self._slots is None:
            return no_release
        await self._slots.acquire()
        return self._slots.release

    async def _retry(self, attempt: Callable[[], Awaitable[R]]) -> R:
        return await self._settings.retry_policy.acall(attempt)

    async def _send(
        self,
        method: str,
        prepared: PreparedRequest | str,
        *,
        params: Mapping[str, str] | None = None,
        upload: PreparedUpload | None = None,
    ) -> httpx.Response:
        """One HTTP exchange: a JSON body (`PreparedRequest`), or a path with `params`, or a
        multipart `upload` (the file opened for this attempt and closed after it)."""
        if upload is not None:
            assert isinstance(prepared, str)
            return await self._send_upload(prepared, upload)
        release = await self._acquire(None if isinstance(prepared, str) else prepared.body)
        try:
            with mapped_transport_errors:
                if isinstance(prepared, str):
                    response = await self._http.request(
                        method,
                        self._settings.url(prepared),
                        params=params,
                        headers=self._headers(json_body=False),
                        timeout=self._settings.request_timeout,
                    )
                else:
                    response = await self._http.request(
                        method,
                        self._settings.url(prepared.path),
                        content=prepared.json_bytes(),
                        headers=self._headers(json_body=True),
                        timeout=self._settings.request_timeout,
                    )
            mark_status(release, response.status_code)
        finally:
            await released(release)
        raise_for_status(response, response.content)
        return response

    async def _send_upload(self, path: str, upload: PreparedUpload) -> httpx.Response:
        release = await self._acquire()
        try:
            with upload.open() as stream, mapped_transport_errors:
                response = await self._http.request(
                    "POST",
                    self._settings.url(path),
                    data=upload.fields,
                    files={"file": (upload.filename, stream)},
                    headers=self._headers(json_body=False),
                    timeout=upload_timeout(
                        upload, self._settings.request_timeout, self._http.timeout
                    ),
                )
            mark_status(release, response.status_code)
        finally:
            await released(release)
        raise_for_status(response, response.content)
        return response

    async def chat(self, request: ChatRequest) -> ChatCompletion:
        """One chat completion (not streamed), retried per the policy."""
        prepared = prepare_chat_request(request, stream=False)

        async def attempt() -> ChatCompletion:
            response = await self._send("POST", prepared)
            completion = parse_body(ChatCompletion, response, response.content)
            return check_complete(read_answer(completion, prepared))

        op = start_operation("chat", prepared.body, self._settings.base_url)
        completion = await atraced(op, lambda: self._retry(attempt), finish_answer)
        delta = settlement(self._limiter, prepared.body, completion)
        if delta and self._limiter is not None:
            await self._limiter.asettle(delta)
        return completion

    async def _open(
        self,
        prepared: PreparedRequest,
        parse: Callable[[str, str | None], T],
        substantive: Callable[[T], bool],
        ends: Callable[[T], bool] | None = None,
    ) -> OpenedStream[T, AsyncIterator[bytes]]:
        """Sends a streaming request and reads until something of substance (the retryable part)."""
        release = await self._acquire(prepared.body)
        try:
            with mapped_transport_errors:
                request = self._http.build_request(
                    "POST",
                    self._settings.url(prepared.path),
                    content=prepared.json_bytes(),
                    headers=self._headers(json_body=True, stream=True),
                    timeout=self._settings.request_timeout,
                )
                response = await self._http.send(request, stream=True)
                try:
                    if response.status_code >= 400:
                        mark_status(release, response.status_code)
                        raise_for_status(response, await response.aread())
                    state = StreamState(parse, find_request_id(response.headers), substantive)
                    state.ends = ends
                    chunks = response.aiter_bytes()
                    while True:
                        while state.needs_input:
                            data = await anext(chunks, None)
                            state.end_of_input() if data is None else state.feed(data)
                        if not state.pending and not state.decoder.done:
                            raise StreamTruncatedError(
                                "the stream closed before anything of substance arrived"
                            )
                        if state.prime():
                            break
                except BaseException:
                    await response.aclose()
                    raise
        except BaseException:
            await released(release)
            raise
        return OpenedStream(response, chunks, state, release)

    async def stream_chat(self, request: ChatRequest) -> AsyncChatStream:
        """A streamed chat completion; retried only until its first content arrives."""
        prepared = prepare_chat_request(request, stream=True)

        async def attempt() -> OpenedStream[ChatCompletionChunk, AsyncIterator[bytes]]:
            return await self._open(prepared, chunk_parser(prepared), chunk_has_substance)

        async def opened() -> AsyncChatStream:
            return AsyncChatStream(await self._retry(attempt))

        op = start_operation("chat", prepared.body, self._settings.base_url)
        return await atraced(op, opened, follow_chat_stream)

    async def responses(self, request: ResponsesRequest) -> Response:
        """One Responses call (`POST /responses`, not streamed), retried per the policy; tool
        calls come back under their original names."""
        from .responses import Response, check_status, prepare_responses_request

        prepared = prepare_responses_request(request, stream=False)

        async def attempt() -> Response:
            response = await self._send("POST", prepared)
            answer = parse_body(Response, response, response.content)
            return check_status(answer.restore_names(prepared.tool_names))

        op = start_operation("chat", prepared.body, self._settings.base_url)
        return await atraced(op, lambda: self._retry(attempt), finish_answer)

    async def stream_responses(self, request: ResponsesRequest) -> AsyncResponseStream:
        """A streamed Responses call: its events, and `final_response()` merged from them; retried
        only until something of substance arrives. A stream that ends without its final event
        raises `StreamTruncatedError`."""
        from .responses import AsyncResponseStream, event_has_substance, prepare_responses_request
        from .responses import parse_event as parse_response_event

        prepared = prepare_responses_request(request, stream=True)

        async def attempt() -> OpenedStream[ResponseEvent, AsyncIterator[bytes]]:
            return await self._open(prepared, parse_response_event, event_has_substance, _is_final)

        async def opened() -> AsyncResponseStream:
            return AsyncResponseStream(await self._retry(attempt))

        return await opened()

    async def fim(self, request: FIMRequest) -> FIMCompletion:
        """A FIM completion (`/beta/completions`, not streamed)."""
        prepared = prepare_fim_request(request, stream=False)

        async def attempt() -> FIMCompletion:
            response = await self._send("POST", prepared)
            return parse_body(FIMCompletion, response, response.content)

        op = start_operation("text_completion", prepared.body, self._settings.base_url)
        return await atraced(op, lambda: self._retry(attempt), finish_answer)

    async def stream_fim(self, request: FIMRequest) -> AsyncStream[FIMCompletion]:
        """A streamed FIM completion."""
        prepared = prepare_fim_request(request, stream=True)

        def parse(payload: str, request_id: str | None) -> FIMCompletion:
            return parse_event(FIMCompletion, payload, request_id)

        async def attempt() -> OpenedStream[FIMCompletion, AsyncIterator[bytes]]:
            return await self._open(prepared, parse, fim_has_substance)

        async def opened() -> AsyncStream[FIMCompletion]:
            return AsyncStream(await self._retry(attempt))

        op = start_operation("text_completion", prepared.body, self._settings.base_url)
        return await atraced(op, opened, follow_fim_stream)

    async def search(
        self,
        query: str,
        *,
        count: int = 10,
        need_content: bool = False,
        ori_question: str | None = None,
        localization: str | None = None,
    ) -> SearchResponse:
        """`POST /v1/tools/search`: web results for `query` (1-128 characters), `count` of them
        (1-50); `need_content` adds each page's text. Billed per request with results."""
        prepared = prepare_search(
            query,
            count=count,
            need_content=need_content,
            ori_question=ori_question,
            localization=localization,
        )

        async def attempt() -> SearchResponse:
            response = await self._send("POST", prepared)
            return parse_body(SearchResponse, response, response.content)

        op = start_operation("execute_tool", prepared.body, self._settings.base_url, tool="search")
        return await atraced(op, lambda: self._retry(attempt), finish_tool)

    async def fetch(self, url: str) -> FetchResult:
        """`POST /v1/tools/fetch`: the page at `url` (http(s), at most 8,192 characters) as
        Markdown. Billed per request with content."""
        prepared = prepare_fetch(url)

        async def attempt() -> FetchResult:
            response = await self._send("POST", prepared)
            content_type = response.headers.get("content-type", "")
            request_id = find_request_id(response.headers)
            return fetch_result(url, content_type, response.content, request_id)

        op = start_operation("execute_tool", prepared.body, self._settings.base_url, tool="fetch")
        return await atraced(op, lambda: self._retry(attempt), finish_tool)

    async def upload_file(
        self,
        file: FileSource,
        *,
        filename: str | None = None,
        purpose: str = "user_data",
        expires_after_seconds: int | None = None,
    ) -> FileObject:
        """`POST /files`: uploads `file` (a path, bytes or an open binary file, at most 64 MiB),
        streamed from disk; `expires_after_seconds` (1 hour to 30 days) or permanent."""
        upload = prepare_upload(
            file, filename=filename, purpose=purpose, expires_after_seconds=expires_after_seconds
        )
        started = time.time()

        async def attempt() -> FileObject:
            try:
                response = await self._send("POST", FILES_PATH, upload=upload)
                return parse_body(FileObject, response, response.content)
            except DeepSeekError as exc:
                if upload_may_have_arrived(exc):
                    raise outcome_unknown(upload, exc) from exc  # never sent twice
                raise

        try:
            return await self._retry(attempt)
        except UploadOutcomeUnknownError:
            found = await self._stored_upload(upload, started)
            if found is None:
                raise
            return found
        finally:
            upload.close()

    async def _stored_upload(self, upload: PreparedUpload, started: float) -> FileObject | None:
        """The file an upload whose answer was lost stored, if the list shows it."""
        try:
            page = await self.list_files(order="desc", limit=100)
        except DeepSeekError:
            return None
        return find_upload(page, upload, started)

    async def list_files(
        self,
        *,
        after: str | None = None,
        limit: int | None = None,
        order: Literal["asc", "desc"] | None = None,
        purpose: str | None = None,
    ) -> FileList:
        """`GET /files`: one page (`limit` 1 to 1,000); pass `after=page.last_id` while
        `page.has_more`, or iterate `iter_files`."""
        params = list_params(after=after, limit=limit, order=order, purpose=purpose)

        async def attempt() -> FileList:
            response = await self._send("GET", FILES_PATH, params=params)
            return parse_body(FileList, response, response.content)

        return await self._retry(attempt)

    async def iter_files(
        self, *, limit: int | None = None, purpose: str | None = None
    ) -> AsyncIterator[FileObject]:
        """Every file, page after page."""
        after: str | None = None
        while True:
            page = await self.list_files(after=after, limit=limit, purpose=purpose)
            for item in page.data:
                yield item
            if not page.has_more or not page.last_id or page.last_id == after:
                return
            after = page.last_id

    async def retrieve_file(self, file_id: str) -> FileObject:
        """`GET /files/{id}`."""
        path = f"{FILES_PATH}/{check_file_id(file_id)}"

        async def attempt() -> FileObject:
            response = await self._send("GET", path)
            return parse_body(FileObject, response, response.content)

        return await self._retry(attempt)

    async def delete_file(self, file_id: str) -> FileDeleted:
        """`DELETE /files/{id}`."""
        path = f"{FILES_PATH}/{check_file_id(file_id)}"

        async def attempt() -> FileDeleted:
            response = await self._send("DELETE", path)
            return parse_body(FileDeleted, response, response.content)

        return await self._retry(attempt)

    async def list_models(self) -> ModelList:
        """`GET /models`."""

        async def attempt() -> ModelList:
            return _parsed(ModelList, await self._send("GET", "/models"))

        return await self._retry(attempt)

    async def get_balance(self) -> Balance:
        """`GET /user/balance`: amounts as `Decimal`."""

        async def attempt() -> Balance:
            return _parsed(Balance, await self._send("GET", "/user/balance"))

        return await self._retry(attempt)

    async def aclose(self) -> None:
        """Closes the HTTP client if this client created it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncDeepSeekClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _is_final(event: ResponseEvent) -> bool:
    return event.terminal
