"""The client and the adapters used the way LangGraph, LlamaIndex and scripts really use them.

A model that has answered is deep-copied (LangGraph and LlamaIndex copy models into their state);
one model is used from one event loop after another, and from threads with loops of their own;
an answer holds text that pydantic-core refuses but the JSON standard allows.
"""

from __future__ import annotations

import asyncio
import copy
import json

import pytest
from langchain_core.messages import HumanMessage

from deepseek_ext_emulator import Emulator, Reply

from ._tally import TALLY
from .rel_support import (
    DRIVERS,
    Driver,
    Target,
    li_messages,
    make_langchain,
    make_llamaindex,
    sse_body,
)

SSE = "text/event-stream; charset=utf-8"


@pytest.mark.parametrize("surface", ["langchain", "llamaindex"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_used_model_can_be_deep_copied_and_both_answer(
    surface: str, mode: str, key: str, emulator: Emulator
) -> None:
    target = Target(emulator.base_url, key)
    emulator.push(Reply.text("first"), Reply.text("from the copy"), Reply.text("original again"))

    if surface == "langchain":
        lc = make_langchain(target)

        def ask(model: object) -> str:
            assert model is lc or isinstance(model, type(lc))
            if mode == "sync":
                return str(model.invoke([HumanMessage("hi")]).content)  # type: ignore[attr-defined]
            reply = asyncio.run(model.ainvoke([HumanMessage("hi")]))  # type: ignore[attr-defined]
            return str(reply.content)

        model: object = lc
    else:
        li = make_llamaindex(target)

        def ask(model: object) -> str:
            if mode == "sync":
                return str(model.chat(li_messages("hi")).message.content)  # type: ignore[attr-defined]
            reply = asyncio.run(model.achat(li_messages("hi")))  # type: ignore[attr-defined]
            return str(reply.message.content)

        model = li

    assert ask(model) == "first"  # the model now holds a live core client
    clone = copy.deepcopy(model)
    assert clone is not model
    assert ask(clone) == "from the copy"
    assert ask(model) == "original again"
    # The emulator answers 401 to any other key: three answers mean the copy sent the key.
    assert len(emulator.requests) == 3
    TALLY.real_use("deep copy")


def test_a_deep_copy_shares_an_injected_http_client(key: str, emulator: Emulator) -> None:
    import httpx

    with httpx.Client() as http_client:
        model = make_langchain(Target(emulator.base_url, key), http_client=http_client)
        emulator.push(Reply.text("one"), Reply.text("two"))
        model.invoke("hi")
        clone = copy.deepcopy(model)
        assert clone.http_client is http_client
        assert clone.invoke("hi").content == "two"


def _ask_async(surface: str, model: object, prompt: str) -> str:
    """One async call of `surface`'s model in a fresh event loop (what a script does)."""

    async def one() -> str:
        if surface == "langchain":
            return str((await model.ainvoke(prompt)).content)  # type: ignore[attr-defined]
        reply = await model.achat(li_messages(prompt))  # type: ignore[attr-defined]
        return str(reply.message.content)

    return asyncio.run(one())


def _model(surface: str, target: Target) -> object:
    return make_langchain(target) if surface == "langchain" else make_llamaindex(target)


@pytest.mark.parametrize("surface", ["langchain", "llamaindex"])
def test_one_model_answers_from_one_event_loop_after_another(
    surface: str, key: str, emulator: Emulator
) -> None:
    model = _model(surface, Target(emulator.base_url, key))
    emulator.push(Reply.text("one"), Reply.text("two"), Reply.text("three"))
    assert [_ask_async(surface, model, q) for q in ("1?", "2?", "3?")] == ["one", "two", "three"]
    assert len(emulator.requests) == 3  # nothing was sent twice
    # Each loop's client was closed inside its loop when `asyncio.run` shut it down.
    per_loop = model._async_clients if surface == "langchain" else model._aclients  # type: ignore[attr-defined]
    assert per_loop.loops() == 0
    TALLY.real_use("event loops one after another")


@pytest.mark.parametrize("surface", ["langchain", "llamaindex"])
def test_a_call_then_a_stream_in_two_loops(surface: str, key: str, emulator: Emulator) -> None:
    model = _model(surface, Target(emulator.base_url, key))
    emulator.push(Reply.text("called"), Reply.text("streamed", chunks=3))
    assert _ask_async(surface, model, "call") == "called"

    async def stream() -> str:
        if surface == "langchain":
            return "".join([str(c.content) async for c in model.astream("s")])  # type: ignore[attr-defined]
        pieces = await model.astream_chat(li_messages("s"))  # type: ignore[attr-defined]
        return "".join([r.delta or "" async for r in pieces])

    assert asyncio.run(stream()) == "streamed"
    TALLY.real_use("event loops one after another")


@pytest.mark.parametrize("surface", ["langchain", "llamaindex"])
def test_threads_with_loops_of_their_own_share_one_model(
    surface: str, key: str, emulator: Emulator
) -> None:
    import threading

    model = _model(surface, Target(emulator.base_url, key))
    emulator.responder = lambda body: Reply.text("ok")
    barrier = threading.Barrier(4)
    answers: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        async def twice() -> list[str]:
            barrier.wait()  # every thread's loop is running before anyone sends
            first = await _one_call(surface, model)
            return [first, await _one_call(surface, model)]

        try:
            answers.extend(asyncio.run(twice()))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert answers == ["ok"] * 8
    TALLY.real_use("event loops in threads at once")


async def _one_call(surface: str, model: object) -> str:
    if surface == "langchain":
        return str((await model.ainvoke("hi")).content)  # type: ignore[attr-defined]
    return str((await model.achat(li_messages("hi"))).message.content)  # type: ignore[attr-defined]


_COMPLETION = {
    "id": "6f1c2a9e-8d0b-4e5a-9c1f-2b3d4e5f6a7b", "object": "chat.completion",
    "created": 1781233924, "model": "deepseek-flash", "system_fingerprint": "fp_reliability",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "a\ud800b"},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4},
}  # fmt: skip


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.name)
def test_a_lone_surrogate_escape_keeps_the_answer_that_arrived(
    driver: Driver, key: str, emulator: Emulator
) -> None:
    # `"\ud800"` is valid JSON that pydantic-core refuses; the answer arrived whole, so it is
    # read as Python's json reads it, the lone surrogate replaced by U+FFFD, and never retried.
    if driver.stream:
        reply = Reply.raw_response(200, sse_body(["a", "\ud800", "b"]), content_type=SSE)
    else:
        reply = Reply.raw_response(200, json.dumps(_COMPLETION))  # json escapes it: "\ud800"
    emulator.push(reply)
    out = driver.run(Target(emulator.base_url, key, max_retries=2))

    assert out.error is None, repr(out.error)
    assert out.received == "a\ufffdb"
    assert len(emulator.requests) == 1  # not retried, not billed twice
    TALLY.real_use("lone surrogate in an answer")
