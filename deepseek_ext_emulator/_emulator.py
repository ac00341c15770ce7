"""The :class:`Emulator`: routes, auth, validation, the script queue, recording.

Order of decisions for one request, the order DeepSeek itself appears to use:
route (404/405) -> bearer key (401) -> balance (402) -> JSON and validation (400) ->
answer. The answer is the next scripted item, else the ``responder``, else a matching
cassette recording, else an echo. Requests rejected before the answer step do not
consume the script, so a client bug shows up as a 400 without shifting later replies.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from deepseek_ext_emulator._cache import PrefixCache, prompt_text
from deepseek_ext_emulator._cassette import CassetteStore, normalize_path
from deepseek_ext_emulator._faults import Fault
from deepseek_ext_emulator._files import FileStore
from deepseek_ext_emulator._files import not_found as file_not_found
from deepseek_ext_emulator._render import (
    JSON_TYPE,
    SSE_TYPE,
    Context,
    Rendered,
    render,
    render_raw,
)
from deepseek_ext_emulator._replies import Reply
from deepseek_ext_emulator._responses import check_responses, example_of, render_response
from deepseek_ext_emulator._server import LoopbackServer, Plan
from deepseek_ext_emulator._speech_live import Session, live_key, live_session
from deepseek_ext_emulator._tool_answers import TOOLS, asr_plan, ocr_plan, tts_plan
from deepseek_ext_emulator._validation import Checked, check_chat, check_fim, thinking_mode
from deepseek_ext_emulator._web import (
    DEFAULT_PAGES,
    WebPage,
    check_fetch,
    check_search,
    fetch_body,
    search_body,
)
from deepseek_ext_emulator._wire import (
    CANONICAL_MODELS,
    MODELS_BODY,
    ErrorSpec,
    api_error,
    auth_error,
    bad_request,
    dumps,
    insufficient_balance,
)

Responder = Callable[[dict[str, Any]], Reply | Fault | None]
"""A function of the parsed request body, called from server threads (make it
thread-safe); ``None`` falls through to cassettes and the echo answer."""

_CHAT_PATHS = {"/chat/completions": False, "/beta/chat/completions": True}
_INVALID = object()


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it (the ``authorization`` value is redacted)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    """Lower-cased header names."""
    body: Any
    """Parsed JSON body, ``None`` when empty or not JSON (see ``raw_body``)."""
    raw_body: bytes


class Emulator:
    """An offline DeepSeek API on ``127.0.0.1``: scripted, recorded, and faulty on demand.

    ``api_key=None`` accepts any bearer key. Use as a context manager or call
    :meth:`start`/:meth:`stop`.
    """

    def __init__(
        self,
        *,
        api_key: str | None = "test-key",
        host: str = "127.0.0.1",
        port: int = 0,
        validate: bool = True,
        cassettes: Sequence[str | Path] = (),
        prefix_cache: bool = False,
        latency: float = 0.0,
        account_concurrency: int | None = None,
        balance_cny: float | None = None,
    ) -> None:
        self.api_key = api_key
        """The only bearer key accepted (``None``: any non-empty key)."""
        self.validate = validate
        """Apply DeepSeek's request checks (400s); off to accept anything."""
        self.balance_exhausted = False
        """Answer completions with 402 Insufficient Balance."""
        self.responder: Responder | None = None
        self.prefix_cache: PrefixCache | None = PrefixCache() if prefix_cache else None
        """DeepSeek's context cache, modelled (``prefix_cache=True``): input that repeats what
        an answered request sent counts as cache hits in ``usage``, in 64-token units."""
        self.latency = latency
        """Seconds every chat and FIM answer takes before its first byte (generation time)."""
        self.account_concurrency = account_concurrency
        """DeepSeek's per-account cap on requests in flight (docs/deepseek-api.md §10.1): a chat
        or FIM request above it is answered 429, as DeepSeek answers it. None: no cap."""
        self.in_flight = 0
        """Chat and FIM requests being answered now."""
        self.most_in_flight = 0
        """The most chat and FIM requests that were in flight at once."""
        self.rate_limited = 0
        """How many requests were answered 429 for the account cap."""
        self.balance_cny = balance_cny
        """The account's balance, which each chat or FIM answer consumes (about CNY 0.01 a
        request); at 0 or below, requests are answered 402. None: not modelled."""
        self.asr_concurrency = 50
        """ASR requests an account may have in flight (docs/deepseek-api.md §6.12): 429 above."""
        self.asr_in_flight = 0
        self.clock: Callable[[], float] = time.time
        """The time answers carry in ``created`` (Unix seconds); see :meth:`pretend_time`."""
        self.stopping = threading.Event()
        self.errors: list[BaseException] = []
        """Exceptions raised by the responder or by rendering (answered as HTTP 500)."""
        self._host = host
        self._port = port
        self._queue: collections.deque[Reply | Fault] = collections.deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._cassettes = CassetteStore()
        self.files = FileStore()
        """Files uploaded through the Files API (``emulator.files.files`` lists them)."""
        self.pages: list[WebPage] = list(DEFAULT_PAGES)
        """The web that Search and Fetch answer from (a small built-in corpus to start)."""
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None
        for cassette in cassettes:
            self.load_cassette(cassette)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind (loopback only) and serve in a background thread."""
        if self._server is not None:
            return self
        self.stopping.clear()
        server = LoopbackServer(self._host, self._port, self)
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"deepseek-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, abort sleeping faults and close open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (``0`` before :meth:`start`)."""
        return int(self._server.server_address[1]) if self._server else self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: use as the client's base URL (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        host = str(self._server.server_address[0])
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def beta_base_url(self) -> str:
        """``http://127.0.0.1:PORT/beta``: the client's ``beta_base_url``. Clients send strict
        tools, prefix completion and FIM to ``/beta`` by themselves only on DeepSeek's own
        host; on any other base, the emulator's included, they need to be told."""
        return self.base_url + "/beta"

    # -- scripting ---------------------------------------------------------------------

    def push(self, *items: Reply | Fault) -> None:
        """Queue answers; each answers one chat/FIM request, first in first out."""
        with self._lock:
            self._queue.extend(items)

    @property
    def pending(self) -> int:
        """Scripted items not consumed yet."""
        with self._lock:
            return len(self._queue)

    def load_cassette(self, path: str | Path, *, allow_repeats: bool = False) -> int:
        """Load a cassette file or folder for replay; return the number of interactions."""
        self._cassettes.allow_repeats = self._cassettes.allow_repeats or allow_repeats
        return self._cassettes.load(path)

    def unused_interactions(self) -> list[str]:
        """Recorded interactions never replayed (a test should usually use all of them)."""
        return self._cassettes.unused()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> RecordedRequest:
        """The most recent request; raises ``LookupError`` when there is none."""
        with self._lock:
            if not self._requests:
                raise LookupError("the emulator has not received any request")
            return self._requests[-1]

    def reset(self) -> None:
        """Forget scripted items, recorded requests, errors and cached prefixes."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self.errors.clear()
        if self.prefix_cache is not None:
            self.prefix_cache.clear()

    def pretend_time(self, at: datetime | None) -> None:
        """Answers carry `at` as their time (peak or off-peak prices follow it); ``None``: the
        real time again. Assign :attr:`clock` for a time that moves."""
        self.clock = time.time if at is None else at.timestamp

    # -- request handling (called from server threads) -----------------------------------

    def enter(self, target: str) -> bool:
        """A request arrives (the server calls it before `handle`): False when it is a chat or
        FIM request over the account cap, or an ASR request over DeepSeek's 50 in flight, to be
        answered 429."""
        if _is_asr(target):
            with self._lock:
                if self.asr_in_flight >= self.asr_concurrency:
                    self.rate_limited += 1
                    return False
                self.asr_in_flight += 1
                return True
        if not _counted(target):
            return True
        with self._lock:
            if self.account_concurrency is not None and self.in_flight >= self.account_concurrency:
                self.rate_limited += 1
                return False
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            if self.balance_cny is not None:
                self.balance_cny -= _CNY_PER_REQUEST
            return True

    def leave(self, target: str) -> None:
        """The answer to a counted request was written (or the connection broke)."""
        if _is_asr(target):
            with self._lock:
                self.asr_in_flight -= 1
        elif _counted(target):
            with self._lock:
                self.in_flight -= 1

    def over_capacity(self) -> Plan:
        """DeepSeek's 429 for an account with too many requests in flight."""
        error = api_error(
            429,
            "Rate Limit Reached: too many requests in flight for this account",
            type_="rate_limit_error",
            code="rate_limit_reached",
        )
        return _error_plan(error)

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Plan:
        """Decide the answer to one request (the server's ``App`` protocol)."""
        split = urlsplit(target)
        parsed = _parse_json(body)
        record_headers = dict(headers)
        if "authorization" in record_headers:
            record_headers["authorization"] = "<redacted>"
        request = RecordedRequest(
            method=method,
            path=split.path,
            query=split.query,
            headers=record_headers,
            body=None if parsed is _INVALID else parsed,
            raw_body=body,
        )
        with self._lock:
            self._requests.append(request)
        try:
            if normalize_path(split.path).startswith("/files"):
                return self._files_answer(method, split.path, split.query, headers, body)
            return self._answer(method, split.path, headers, parsed, body)
        except Exception as exc:  # a broken responder must not kill the server thread
            with self._lock:
                self.errors.append(exc)
            return _error_plan(api_error(500, f"emulator error: {exc!r}", type_="server_error"))

    def _answer(
        self, method: str, raw_path: str, headers: Mapping[str, str], parsed: Any, raw: bytes
    ) -> Plan:
        size = len(raw)
        path = normalize_path(raw_path)
        endpoint = _route(path)
        if endpoint is None and path in _BETA_ONLY:
            return _error_plan(api_error(404, _BETA_ONLY[path], code="not_found"))
        if endpoint is None:
            return Plan(Rendered(404, "text/plain; charset=utf-8"))
        wanted_method = "GET" if endpoint in ("models", "balance") else "POST"
        if method != wanted_method:
            return Plan(Rendered(405, "text/plain; charset=utf-8"))
        auth = headers.get("authorization", "")
        key = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not key or (self.api_key is not None and key != self.api_key):
            return _error_plan(auth_error(key or auth))
        if endpoint == "models":
            return Plan(Rendered(200, JSON_TYPE, body=dumps(MODELS_BODY).encode()))
        if endpoint == "balance":
            return Plan(Rendered(200, JSON_TYPE, body=dumps(self._balance()).encode()))
        if self.balance_exhausted or (self.balance_cny is not None and self.balance_cny < 0):
            return _error_plan(insufficient_balance())
        if endpoint in TOOLS:
            return self._tool_plan(endpoint, headers.get("content-type", ""), raw, parsed)
        if parsed is _INVALID:
            return _error_plan(bad_request("Failed to parse the request body as JSON"))
        if endpoint in ("search", "fetch"):
            return self._web_answer(endpoint, parsed)
        if endpoint == "responses":
            return self._responses_answer(parsed, size)
        fim = endpoint == "fim"
        checked = self._check(parsed, fim=fim, beta=path.startswith("/beta/"))
        if isinstance(checked, ErrorSpec):
            return _error_plan(checked)
        ctx = _context(parsed, checked, fim=fim, size=size, created=int(self.clock()))
        item = self._take_scripted(None)
        asked = item is None and self.responder is not None
        if asked and self.responder is not None:
            item = self.responder(dict(parsed))
        fault = Fault()
        if isinstance(item, Fault):
            fault, item = item, item.reply
            if fault.error is not None or fault.reset or fault.empty:
                return Plan(render(Reply(), ctx), fault)
        if item is None:
            item = self._fallback(parsed, path, fim=fim, ask_responder=not asked)
        if self.latency:
            fault = dataclasses.replace(fault, delay_seconds=fault.delay_seconds + self.latency)
        if self.prefix_cache is not None:
            now = time.monotonic()
            cached = self.prefix_cache.hit_tokens(
                prompt_text(parsed, fim=fim), now=now, stored_at=now + fault.delay_seconds
            )
            ctx = dataclasses.replace(ctx, cached_tokens=cached)
        return Plan(render(item, ctx), fault)

    def _responses_answer(self, parsed: Any, size: int) -> Plan:
        """`POST /responses` (see `_responses`): checked, then answered from the queue, the
        responder or an echo; scripted faults apply as for chat."""
        if self.validate:
            error = check_responses(parsed)
            if error is not None:
                return _error_plan(error)
        item = self._take_scripted(None)
        if item is None and self.responder is not None:
            item = self.responder(dict(parsed))
        fault = Fault()
        if isinstance(item, Fault):
            fault, item = item, item.reply
            if fault.error is not None or fault.reset or fault.empty:
                return Plan(Rendered(200, JSON_TYPE, body=b"{}"), fault)
        if item is None:
            item = _responses_echo(parsed)
        if item.error_spec is not None:
            return _error_plan(item.error_spec)
        if self.latency:
            fault = dataclasses.replace(fault, delay_seconds=fault.delay_seconds + self.latency)
        if item.raw is not None:  # recorded bytes, as on chat
            return Plan(render_raw(item.raw, item.headers), fault)
        body, events = render_response(
            item, parsed, input_tokens=max(1, size // 4), cached=0, created=int(self.clock())
        )
        if events is None:
            return Plan(Rendered(200, JSON_TYPE, body=body), fault)
        return Plan(Rendered(200, SSE_TYPE, events=tuple(events)), fault)

    def _files_answer(
        self, method: str, raw_path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Plan:
        """The Files API; a scripted `Fault` at the head of the queue applies, as for Search."""
        auth = headers.get("authorization", "")
        key = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not key or (self.api_key is not None and key != self.api_key):
            return _error_plan(auth_error(key or auth))
        fault = self._scripted_fault()
        if fault.error is not None:
            # DeepSeek answers an error before the side effect: no file stored or deleted.
            return Plan(Rendered(200, JSON_TYPE, body=b"{}"), fault)
        path = normalize_path(raw_path)
        file_id = path[len("/files/") :] if path.startswith("/files/") else None
        answer: dict[str, Any] | ErrorSpec
        if file_id is None and method == "POST":
            answer = self.files.upload(headers.get("content-type", ""), body)
        elif file_id is None and method == "GET":
            answer = self.files.listing(query)
        elif file_id is not None and method == "GET":
            stored = self.files.get(file_id)
            answer = stored.body() if stored is not None else file_not_found(file_id)
        elif file_id is not None and method == "DELETE":
            answer = self.files.delete(file_id)
        else:
            return Plan(Rendered(405, "text/plain; charset=utf-8"))
        if isinstance(answer, ErrorSpec):
            return _error_plan(answer)
        return Plan(Rendered(200, JSON_TYPE, body=dumps(answer).encode()), fault)

    def websocket(self, target: str, headers: dict[str, str]) -> Plan | Session:
        """TTS over a WebSocket (see `_speech_live`): the key, the query and a scripted
        `Fault` (its status answers the upgrade; `drop_after_chunks(n)` cuts after n frames)."""
        split = urlsplit(target)
        record_headers = {
            name: "<redacted>" if name in ("authorization", "sec-websocket-protocol") else value
            for name, value in headers.items()
        }
        with self._lock:
            self._requests.append(
                RecordedRequest("GET", split.path, split.query, record_headers, None, b"")
            )
        if normalize_path(split.path) != "/tools/tts":
            return Plan(Rendered(404, "text/plain; charset=utf-8"))
        key = live_key(headers)
        if not key or (self.api_key is not None and key != self.api_key):
            return _error_plan(auth_error(key))
        scripted = self._take_scripted("tts")
        fault = scripted if isinstance(scripted, Fault) else Fault()
        if fault.error is not None:
            return Plan(Rendered(200, JSON_TYPE, body=b"{}"), fault)
        session = live_session(split.query, fault)
        return _error_plan(session) if isinstance(session, ErrorSpec) else session

    def _tool_plan(self, endpoint: str, content_type: str, raw: bytes, parsed: Any) -> Plan:
        """OCR, ASR or TTS (see `_tool_answers`): checked, then scripted or derived."""

        def take() -> Reply | Fault | None:
            return self._take_scripted(endpoint)

        if endpoint == "ocr":
            return ocr_plan(take, content_type, raw, int(self.clock()))
        if endpoint == "asr":
            return asr_plan(take, content_type, raw)
        return tts_plan(take, None if parsed is _INVALID else parsed, len(raw))

    def _take_scripted(self, endpoint: str | None) -> Reply | Fault | None:
        """The head of the queue when it answers `endpoint` (a tool's, or None for chat, FIM
        and Responses): a `Reply` built for it, or a `Fault` delivering such a reply or none;
        anything else is left in place for the request it answers."""
        with self._lock:
            head = self._queue[0] if self._queue else None
            reply = head.reply if isinstance(head, Fault) else head
            if head is not None and (reply is None or reply.tool == endpoint):
                self._queue.popleft()
                return head
        return None

    def _scripted_fault(self) -> Fault:
        """The `Fault` at the head of the queue, taken; a `Reply` there is left for the next
        chat or FIM request, which is what it answers."""
        with self._lock:
            head = self._queue[0] if self._queue else None
            if isinstance(head, Fault):
                self._queue.popleft()
                return head
        return Fault()

    def _web_answer(self, endpoint: str, body: Any) -> Plan:
        """Search or Fetch from the corpus; a scripted `Fault` at the head of the queue applies
        (a scripted `Reply` is left for the next chat or FIM request)."""
        error = check_search(body) if endpoint == "search" else check_fetch(body)
        if error is not None:
            return _error_plan(error)
        fault = self._scripted_fault()
        with self._lock:
            pages = list(self.pages)
        answer = search_body(pages, body) if endpoint == "search" else fetch_body(pages, body)
        return Plan(Rendered(200, JSON_TYPE, body=dumps(answer).encode()), fault)

    def add_page(self, url: str, title: str, content: str, *, date: str = "2026-11-01") -> None:
        """Add a page to the web that Search finds and Fetch returns (content as Markdown)."""
        with self._lock:
            self.pages.append(WebPage(url=url, title=title, content=content, date=date))

    def _check(self, body: Any, *, fim: bool, beta: bool) -> Checked | ErrorSpec:
        if self.validate:
            return check_fim(body) if fim else check_chat(body, beta=beta)
        if not isinstance(body, Mapping):
            return bad_request("request body must be a JSON object")
        requested = str(body.get("model", "deepseek-flash"))
        model = CANONICAL_MODELS.get(requested, requested)
        return Checked(model=model, thinking=not fim and thinking_mode(body, requested))

    def _fallback(
        self, body: Mapping[str, Any], path: str, *, fim: bool, ask_responder: bool
    ) -> Reply:
        if ask_responder and self.responder is not None:
            answer = self.responder(dict(body))
            answer = answer.reply if isinstance(answer, Fault) else answer
            if answer is not None:
                return answer
        recorded = self._cassettes.match("POST", path, body)
        if recorded is not None:
            return recorded
        return echo_reply(body, fim=fim)

    def _balance(self) -> dict[str, Any]:
        # Documented example body (docs/deepseek-api.md §1.7); amounts are decimal strings.
        if self.balance_exhausted:
            info = {
                "currency": "CNY",
                "total_balance": "0.00",
                "granted_balance": "0.00",
                "topped_up_balance": "0.00",
            }
            return {"is_available": False, "balance_infos": [info]}
        info = {
            "currency": "CNY",
            "total_balance": "110.00",
            "granted_balance": "10.00",
            "topped_up_balance": "100.00",
        }
        return {"is_available": True, "balance_infos": [info]}


def _responses_echo(body: Mapping[str, Any]) -> Reply:
    """The unscripted Responses answer: the last user text echoed (a JSON object for a
    json_schema or json_object format, so a parser downstream has JSON to read)."""
    items = body.get("input")
    text = items if isinstance(items, str) else ""
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping) and item.get("role") == "user":
            content = item.get("content")
            text = content if isinstance(content, str) else _text_of(content) or text
    fmt = body.get("text", {}).get("format", {}) if isinstance(body.get("text"), Mapping) else {}
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        schema = fmt.get("schema")
        value = example_of(schema if isinstance(schema, Mapping) else {})
        return Reply.json(value, reasoning="Fill in the schema.")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_object":
        return Reply.json({"echo": text}, reasoning="Answer in JSON.")
    return Reply.text(f"Echo: {text}", reasoning="The user wrote something; echo it back.")


def echo_reply(body: Mapping[str, Any], *, fim: bool) -> Reply:
    """The unscripted answer: echo the last message (FIM: a marker naming the gap)."""
    if fim:
        prompt = str(body.get("prompt", ""))
        suffix = str(body.get("suffix") or "")
        return Reply.fim(f"/* fill {len(prompt)}|{len(suffix)} */")
    messages = body.get("messages") or [{}]
    last = messages[-1] if isinstance(messages[-1], Mapping) else {}
    text = _text_of(last.get("content"))
    if last.get("role") == "tool":
        return Reply.text(f"Tool result: {text}", reasoning="A tool answered; reporting it.")
    return Reply.text(f"Echo: {text}", reasoning="The user wrote something; echo it back.")


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return ""


_BETA_ONLY = {
    "/completions": "FIM completion is served at /beta/completions, not /completions: point "
    "beta_base_url (or DEEPSEEK_BETA_BASE_URL) at this server's base URL + '/beta'",
}
"""Beta-only endpoints asked for at the plain base: an error that says where they are served
(prefix completion and strict tools at the plain base get DeepSeek's own 400, see
`_validation`)."""


_CNY_PER_REQUEST = 0.01


def _counted(target: str) -> bool:
    """Chat, FIM and Responses requests count against the account's cap and balance."""
    path = urlsplit(target).path
    return path.endswith(("/completions", "/responses"))


def _is_asr(target: str) -> bool:
    return normalize_path(urlsplit(target).path) == "/tools/asr"


def _route(path: str) -> str | None:
    if path in _CHAT_PATHS:
        return "chat"
    return {
        "/beta/completions": "fim",
        "/models": "models",
        "/user/balance": "balance",
        "/tools/search": "search",
        "/tools/fetch": "fetch",
        "/responses": "responses",
        "/tools/ocr": "ocr",
        "/tools/asr": "asr",
        "/tools/tts": "tts",
    }.get(path)


def _context(
    body: Mapping[str, Any], checked: Checked, *, fim: bool, size: int, created: int
) -> Context:
    stream = bool(body.get("stream"))
    options = body.get("stream_options")
    include_usage = stream and isinstance(options, Mapping) and bool(options.get("include_usage"))
    top = body.get("top_logprobs")
    max_tokens = body.get("max_tokens")
    return Context(
        endpoint="fim" if fim else "chat",
        model=checked.model,
        thinking=checked.thinking,
        stream=stream,
        include_usage=include_usage,
        logprobs=not fim and bool(body.get("logprobs")),
        top_logprobs=top if isinstance(top, int) else 0,
        prompt_tokens=max(1, size // 4),
        echo_prefix=str(body.get("prompt", "")) if fim and body.get("echo") else "",
        created=created,
        max_tokens=max_tokens if isinstance(max_tokens, int) else None,
    )


def _error_plan(error: ErrorSpec) -> Plan:
    return Plan(Rendered(error.status, error.content_type, body=error.body))


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        return _INVALID
