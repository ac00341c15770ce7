"""Bad input is refused with a clear error before anything is sent (the emulator sees nothing).

Each case runs four ways per surface (call, async call, stream, async stream) against a live
emulator; the test asserts the documented error class, a message naming the problem, and zero
requests received. Request-model errors are pydantic `ValidationError`s (a `ValueError`); the
core's own checks raise `InvalidRequestError` subclasses (also `ValueError`s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from deepseek_ext_core import AsyncDeepSeekClient, DeepSeekClient
from deepseek_ext_emulator import Emulator

from ._tally import TALLY
from .rel_bad_inputs import CORE_CASES, LC_CASES, LI_CASES, Case
from .rel_support import Target, core_policy, fake_key, make_langchain, make_llamaindex

MODES = ("call", "acall", "stream", "astream")


def _run_core(case: Case, mode: str, target: Target) -> None:
    policy = core_policy(0)
    if mode in ("call", "stream"):
        with DeepSeekClient(api_key=target.key, base_url=target.base_url, retry_policy=policy) as c:
            request = case.make()
            if mode == "call":
                c.chat(request)
            else:
                with c.stream_chat(request) as s:
                    list(s)
        return

    async def run() -> None:
        async with AsyncDeepSeekClient(
            api_key=target.key, base_url=target.base_url, retry_policy=policy
        ) as c:
            request = case.make()
            if mode == "acall":
                await c.chat(request)
            else:
                async with await c.stream_chat(request) as s:
                    [chunk async for chunk in s]

    asyncio.run(run())


def _run_langchain(case: Case, mode: str, target: Target) -> None:
    llm = make_langchain(target, **case.settings)
    value, tools, call = case.make()
    runnable: Any = llm.bind_tools(**tools) if tools is not None else llm
    if mode == "call":
        runnable.invoke(value, **call)
    elif mode == "stream":
        list(runnable.stream(value, **call))
    elif mode == "acall":
        asyncio.run(runnable.ainvoke(value, **call))
    else:

        async def consume() -> None:
            [chunk async for chunk in runnable.astream(value, **call)]

        asyncio.run(consume())


def _run_llamaindex(case: Case, mode: str, target: Target) -> None:
    llm = make_llamaindex(target, **case.settings)
    messages, tools, call = case.make()
    if tools is not None:
        if mode == "call":
            llm.chat_with_tools(tools, chat_history=messages, **call)
        elif mode == "stream":
            list(llm.stream_chat_with_tools(tools, chat_history=messages, **call))
        elif mode == "acall":
            asyncio.run(llm.achat_with_tools(tools, chat_history=messages, **call))
        else:

            async def consume_tools() -> None:
                stream = await llm.astream_chat_with_tools(tools, chat_history=messages, **call)
                [r async for r in stream]

            asyncio.run(consume_tools())
        return
    if mode == "call":
        llm.chat(messages, **call)
    elif mode == "stream":
        list(llm.stream_chat(messages, **call))
    elif mode == "acall":
        asyncio.run(llm.achat(messages, **call))
    else:

        async def consume() -> None:
            [r async for r in await llm.astream_chat(messages, **call)]

        asyncio.run(consume())


RUNNERS: dict[str, Callable[[Case, str, Target], None]] = {
    "core": _run_core,
    "langchain": _run_langchain,
    "llamaindex": _run_llamaindex,
}


def _params() -> list[Any]:
    return [
        pytest.param(surface, case, mode, id=f"{surface}|{case.name}|{mode}")
        for surface, cases in (
            ("core", CORE_CASES),
            ("langchain", LC_CASES),
            ("llamaindex", LI_CASES),
        )
        for case in cases
        for mode in MODES
    ]


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[tuple[Emulator, str]]:
    key = fake_key()
    with Emulator(api_key=key) as emu:
        yield emu, key


@pytest.mark.parametrize(("surface", "case", "mode"), _params())
def test_bad_input_is_rejected_before_sending(
    surface: str,
    case: Case,
    mode: str,
    module_emulator: tuple[Emulator, str],
    known_bug: bool,
) -> None:
    emulator, key = module_emulator
    emulator.reset()
    target = Target(emulator.base_url, key, max_retries=0)
    error: BaseException | None = None
    try:
        RUNNERS[surface](case, mode, target)
    except Exception as exc:
        error = exc
    sent = len(emulator.requests)
    TALLY.bad_input(rejected_before_sending=error is not None and sent == 0, known_bug=known_bug)
    assert isinstance(error, case.error), f"expected {case.error.__name__}, got {error!r}"
    assert case.needle.lower() in str(error).lower(), str(error)
    assert sent == 0, f"{sent} request(s) reached the server"


@pytest.mark.parametrize("answered", [True, False], ids=["answered", "unanswered"])
def test_langchain_never_sends_non_json_tool_arguments(
    answered: bool, module_emulator: tuple[Emulator, str]
) -> None:
    """LangChain keeps a model's unparsable call in `invalid_tool_calls`; replaying it must not
    put non-JSON on the wire. The adapter repairs instead of refusing (an agent that answered
    the broken call with an error message must be able to go on): the call goes back with `{}`
    when a tool message answers it, and is dropped when nothing does."""
    emulator, key = module_emulator
    emulator.reset()
    broken = {"name": "lookup", "args": '{"when": tomorrow', "id": "call_1", "error": "bad"}
    history: list[Any] = [HumanMessage("hi"), AIMessage("", invalid_tool_calls=[broken])]
    if answered:
        history.append(ToolMessage("error: arguments were not JSON", tool_call_id="call_1"))
    history.append(HumanMessage("try again"))
    make_langchain(Target(emulator.base_url, key, max_retries=0)).invoke(history)

    (request,) = emulator.requests
    assistant = request.body["messages"][1]
    calls = assistant.get("tool_calls") or []
    assert [call["function"]["arguments"] for call in calls] == (["{}"] if answered else [])
