"""The synchronous client: a thin shell that sends what `_prepare` builds and `_base` checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx
from pydantic import SecretStr

from ._base import (
    BaseClient,
    ClientSettings,
    mapped_transport_errors,
    no_release,
    parse_body,
    parse_event,
    raise_for_status,
)
from ._constants import DEFAULT_MAX_RETRIES
from ._errors import (
    DeepSeekError,
    IncompleteGenerationError,
    InvalidResponseError,
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
from ._media_client import MediaMethods
from ._prepare import PreparedRequest, prepare_chat_request, prepare_fim_request
from ._request import ChatRequest, FIMRequest
from ._response import Balance, ChatCompletion, FIMCompletion, ModelList
from ._retry import RetryPolicy
from ._stream import (
    ChatStream,
    OpenedStream,
    Stream,
    StreamState,
    chunk_has_substance,
    fim_has_substance,
)
from ._telemetry import (
    finish_answer,
    finish_tool,
    follow_chat_stream,
    follow_fim_stream,
    start_operation,
    traced,
)
from ._tool_answers import chunk_parser, read_answer
from ._web import FetchResult, SearchResponse, fetch_result, prepare_fetch, prepare_search
from .limits._base import Limiter
from .limits._slots import Slot, mark_status, request_estimate, settlement

if TYPE_CHECKING:
    from .responses import Response, ResponseEvent, ResponsesRequest, ResponseStream

T = TypeVar("T")
R = TypeVar("R")


def check_complete(completion: ChatCompletion) -> ChatCompletion:
    """Raises the retryable error for an answer cut by `insufficient_system_resource`."""
    if not completion.choices:
        raise InvalidResponseError(
            f"DeepSeek answered without choices (request id {completion.request_id})"
        )
    if completion.finish_reason == "insufficient_system_resource":
        raise IncompleteGenerationError(completion)
    return completion


class DeepSeekClient(BaseClient, MediaMethods):
    """Synchronous DeepSeek client.

    ```python
    with DeepSeekClient() as client:  # key from DEEPSEEK_API_KEY
        reply = client.chat(ChatRequest(model="deepseek-flash",
                                        messages=[UserMessage("Hello")]))
    ```
    """

    def __init__(
        self,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
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
        self._http = http_client or httpx.Client(
            timeout=self._settings.timeout, headers=self._settings.client_headers()
        )
        self._slots = threading.BoundedSemaphore(max_concurrency) if max_concurrency else None
        self._limiter = limiter
        """A limiter shared with other clients, processes or hosts (`deepseek_ext_core.limits`)."""

    def _acquire(self, body: Mapping[str, Any] | None = None) -> Callable[[], None]:
        if self._limiter is not None:
            estimate = request_estimate(self._limiter, body)
            lease = self._limiter.acquire(
                timeout=self._settings.timeout.read, estimate_usd=estimate
            )
            return Slot(lease)
        if self._slots is None:
            return no_release
        self._slots.acquire()
        return self._slots.release

    def _retry(self, attempt: Callable[[], R]) -> R:
        return self._settings.retry_policy.call(attempt)

    def _send(
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
            return self._send_upload(prepared, upload)
        release = self._acquire(None if isinstance(prepared, str) else prepared.body)
        try:
            with mapped_transport_errors:
                if isinstance(prepared, str):
                    response = self._http.request(
                        method,
                        self._settings.url(prepared),
                        params=params,
                        headers=self._headers(json_body=False),
                        timeout=self._settings.request_timeout,
                    )
                else:
                    response = self._http.request(
                        method,
                        self._settings.url(prepared.path),
                        content=prepared.json_bytes(),
                        headers=self._headers(json_body=True),
                        timeout=self._settings.request_timeout,
                    )
            mark_status(release, response.status_code)
        finally:
            release()
        raise_for_status(response, response.content)
        return response

    def _send_upload(self, path: str, upload: PreparedUpload) -> httpx.Response:
        release = self._acquire()
        try:
            with upload.open() as stream, mapped_transport_errors:
                response = self._http.request(
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
            release()
        raise_for_status(response, response.content)
        return response

    def chat(self, request: ChatRequest) -> ChatCompletion:
        """One chat completion (not streamed), retried per the policy."""
        prepared = prepare_chat_request(request, stream=False)

        def attempt() -> ChatCompletion:
            response = self._send("POST", prepared)
            completion = parse_body(ChatCompletion, response, response.content)
            return check_complete(read_answer(completion, prepared))

        op = start_operation("chat", prepared.body, self._settings.base_url)
        completion = traced(op, lambda: self._retry(attempt), finish_answer)
        delta = settlement(self._limiter, prepared.body, completion)
        if delta and self._limiter is not None:
            self._limiter.settle(delta)
        return completion

    def _open(
        self,
        prepared: PreparedRequest,
        parse: Callable[[str, str | None], T],
        substantive: Callable[[T], bool],
        ends: Callable[[T], bool] | None = None,
    ) -> OpenedStream[T, Iterator[bytes]]:
        """Sends a streaming request and reads until something of substance (the retryable part)."""
        release = self._acquire(prepared.body)
        try:
            with mapped_transport_errors:
                request = self._http.build_request(
                    "POST",
                    self._settings.url(prepared.path),
                    content=prepared.json_bytes(),
                    headers=self._headers(json_body=True, stream=True),
                    timeout=self._settings.request_timeout,
                )
                response = self._http.send(request, stream=True)
                try:
                    if response.status_code >= 400:
                        mark_status(release, response.status_code)
                        raise_for_status(response, response.read())
                    state = StreamState(parse, find_request_id(response.headers), substantive)
                    state.ends = ends
                    chunks = response.iter_bytes()
                    while True:
                        while state.needs_input:
                            data = next(chunks, None)
                            state.end_of_input() if data is None else state.feed(data)
                        if not state.pending and not state.decoder.done:
                            raise StreamTruncatedError(
                                "the stream closed before anything of substance arrived"
                            )
                        if state.prime():
                            break
                except BaseException:
                    response.close()
                    raise
        except BaseException:
            release()
            raise
        return OpenedStream(response, chunks, state, release)

    def stream_chat(self, request: ChatRequest) -> ChatStream:
        """A streamed chat completion; retried only until its first content arrives."""
        prepared = prepare_chat_request(request, stream=True)
        op = start_operation("chat", prepared.body, self._settings.base_url)
        return traced(
            op,
            lambda: ChatStream(
                self._retry(
                    lambda: self._open(prepared, chunk_parser(prepared), chunk_has_substance)
                )
            ),
            follow_chat_stream,
        )

    def responses(self, request: ResponsesRequest) -> Response:
        """One Responses call (`POST /responses`, not streamed), retried per the policy; tool
        calls come back under their original names."""
        from .responses import Response, check_status, prepare_responses_request

        prepared = prepare_responses_request(request, stream=False)

        def attempt() -> Response:
            response = self._send("POST", prepared)
            answer = parse_body(Response, response, response.content)
            return check_status(answer.restore_names(prepared.tool_names))

        op = start_operation("chat", prepared.body, self._settings.base_url)
        return traced(op, lambda: self._retry(attempt), finish_answer)

    def stream_responses(self, request: ResponsesRequest) -> ResponseStream:
        """A streamed Responses call: its events, and `final_response()` merged from them; retried
        only until something of substance arrives. A stream that ends without its final event
        raises `StreamTruncatedError`."""
        from .responses import ResponseStream, event_has_substance, prepare_responses_request
        from .responses import parse_event as parse_response_event

        prepared = prepare_responses_request(request, stream=True)
        return ResponseStream(
            self._retry(
                lambda: self._open(prepared, parse_response_event, event_has_substance, _is_final)
            )
        )

    def fim(self, request: FIMRequest) -> FIMCompletion:
        """A FIM completion (`/beta/completions`, not streamed)."""
        prepared = prepare_fim_request(request, stream=False)

        def attempt() -> FIMCompletion:
            response = self._send("POST", prepared)
            return parse_body(FIMCompletion, response, response.content)

        op = start_operation("text_completion", prepared.body, self._settings.base_url)
        return traced(op, lambda: self._retry(attempt), finish_answer)

    def stream_fim(self, request: FIMRequest) -> Stream[FIMCompletion]:
        """A streamed FIM completion: each event carries `choices[].text` pieces."""
        prepared = prepare_fim_request(request, stream=True)

        def parse(payload: str, request_id: str | None) -> FIMCompletion:
            return parse_event(FIMCompletion, payload, request_id)

        op = start_operation("text_completion", prepared.body, self._settings.base_url)
        return traced(
            op,
            lambda: Stream(self._retry(lambda: self._open(prepared, parse, fim_has_substance))),
            follow_fim_stream,
        )

    def search(
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

        def attempt() -> SearchResponse:
            response = self._send("POST", prepared)
            return parse_body(SearchResponse, response, response.content)

        op = start_operation("execute_tool", prepared.body, self._settings.base_url, tool="search")
        return traced(op, lambda: self._retry(attempt), finish_tool)

    def fetch(self, url: str) -> FetchResult:
        """`POST /v1/tools/fetch`: the page at `url` (http(s), at most 8,192 characters) as
        Markdown. Billed per request with content."""
        prepared = prepare_fetch(url)

        def attempt() -> FetchResult:
            response = self._send("POST", prepared)
            content_type = response.headers.get("content-type", "")
            request_id = find_request_id(response.headers)
            return fetch_result(url, content_type, response.content, request_id)

        op = start_operation("execute_tool", prepared.body, self._settings.base_url, tool="fetch")
        return traced(op, lambda: self._retry(attempt), finish_tool)

    def upload_file(
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

        def attempt() -> FileObject:
            try:
                response = self._send("POST", FILES_PATH, upload=upload)
                return parse_body(FileObject, response, response.content)
            except DeepSeekError as exc:
                if upload_may_have_arrived(exc):
                    raise outcome_unknown(upload, exc) from exc  # never sent twice
                raise

        try:
            return self._retry(attempt)
        except UploadOutcomeUnknownError:
            found = self._stored_upload(upload, started)
            if found is None:
                raise
            return found
        finally:
            upload.close()

    def _stored_upload(self, upload: PreparedUpload, started: float) -> FileObject | None:
        """The file an upload whose answer was lost stored, if the list shows it."""
        try:
            page = self.list_files(order="desc", limit=100)
        except DeepSeekError:
            return None
        return find_upload(page, upload, started)

    def list_files(
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

        def attempt() -> FileList:
            response = self._send("GET", FILES_PATH, params=params)
            return parse_body(FileList, response, response.content)

        return self._retry(attempt)

    def iter_files(
        self, *, limit: int | None = None, purpose: str | None = None
    ) -> Iterator[FileObject]:
        """Every file, page after page."""
        after: str | None = None
        while True:
            page = self.list_files(after=after, limit=limit, purpose=purpose)
            yield from page.data
            if not page.has_more or not page.last_id or page.last_id == after:
                return
            after = page.last_id

    def retrieve_file(self, file_id: str) -> FileObject:
        """`GET /files/{id}`."""
        path = f"{FILES_PATH}/{check_file_id(file_id)}"

        def attempt() -> FileObject:
            response = self._send("GET", path)
            return parse_body(FileObject, response, response.content)

        return self._retry(attempt)

    def delete_file(self, file_id: str) -> FileDeleted:
        """`DELETE /files/{id}`."""
        path = f"{FILES_PATH}/{check_file_id(file_id)}"

        def attempt() -> FileDeleted:
            response = self._send("DELETE", path)
            return parse_body(FileDeleted, response, response.content)

        return self._retry(attempt)

    def list_models(self) -> ModelList:
        """`GET /models`: the model ids the account can use (aliases are not listed)."""
        return self._retry(lambda: _parsed(ModelList, self._send("GET", "/models")))

    def get_balance(self) -> Balance:
        """`GET /user/balance`: amounts as `Decimal`."""
        return self._retry(lambda: _parsed(Balance, self._send("GET", "/user/balance")))

    def close(self) -> None:
        """Closes the HTTP client if this client created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> DeepSeekClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


M = TypeVar("M", ModelList, Balance)


def _parsed(model: type[M], response: httpx.Response) -> M:
    return parse_body(model, response, response.content)


def _is_final(event: ResponseEvent) -> bool:
    return event.terminal
