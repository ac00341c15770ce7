"""Part 1 of `deepseek-ext demo`: a LangChain agent with two tools in thinking mode, two turns.

Needs the `langchain` extra. It uses langchain's `create_agent` or langgraph's
`create_react_agent` when one is installed (neither comes with the `[langchain]` extra) and
otherwise an explicit tool loop over `ChatDeepSeek.bind_tools`. Either way the reasoning streams
apart from the answer, and the reasoning of each tool-call turn stays in the history, which
`ChatDeepSeek` sends back to DeepSeek as thinking mode requires.
"""

from __future__ import annotations

import importlib
import json
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.utils import message_chunk_to_message
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool

from deepseek_ext_cli._demo_kit import (
    AGENT_SYSTEM_PROMPT,
    AGENT_TURNS,
    DEMO_MODEL,
    Transcript,
    UsageRecorder,
    convert_currency,
    get_weather,
)
from deepseek_ext_core import Usage
from langchain_deepseek_ext import REASONING_KEY, ChatDeepSeek

__all__ = ["UsageCallback", "run"]

_MAX_MODEL_CALLS = 6
"""Model calls per user turn in the explicit loop, a guard against a model that never stops."""


def run(base_url: str, api_key: str, out: TextIO, record: UsageRecorder) -> None:
    """Runs the agent conversation against `base_url`, writing to `out`."""
    transcript = Transcript(out, answer_label="deepseek> ")
    llm = ChatDeepSeek(
        model=DEMO_MODEL, api_key=api_key, base_url=base_url, thinking="enabled", streaming=True
    )
    tools: list[BaseTool] = [
        StructuredTool.from_function(get_weather, parse_docstring=True),
        StructuredTool.from_function(convert_currency, parse_docstring=True),
    ]
    config = RunnableConfig(callbacks=[UsageCallback(record)])
    agent, how = _prebuilt_agent(llm, tools)
    transcript.heading(f"Part 1: LangChain agent with two tools, thinking mode ({how})")
    if agent is None:
        history = _explicit_loop(llm, tools, transcript, config)
    else:
        history = _agent_turns(agent, transcript, config)
    kept = sum(
        len(str(m.additional_kwargs.get(REASONING_KEY) or ""))
        for m in history
        if isinstance(m, AIMessage) and m.tool_calls
    )
    transcript.note(
        f"The tool-call turns kept their reasoning ({kept} characters) in the history; "
        "ChatDeepSeek sent it back with every later request, as DeepSeek's thinking mode requires."
    )


def _prebuilt_agent(llm: ChatDeepSeek, tools: Sequence[BaseTool]) -> tuple[Any, str]:
    """langchain's `create_agent`, else langgraph's `create_react_agent`, else `(None, ...)`."""
    try:
        create_agent = importlib.import_module("langchain.agents").create_agent
    except (ImportError, AttributeError):
        pass
    else:
        return create_agent(llm, list(tools), system_prompt=AGENT_SYSTEM_PROMPT), "create_agent"
    try:
        create_react_agent = importlib.import_module("langgraph.prebuilt").create_react_agent
    except (ImportError, AttributeError):
        return None, "an explicit tool loop; install langgraph for the prebuilt agent"
    with warnings.catch_warnings():  # deprecated in favour of langchain's create_agent
        warnings.simplefilter("ignore")
        agent = create_react_agent(llm, list(tools), prompt=AGENT_SYSTEM_PROMPT)
    return agent, "langgraph create_react_agent"


def _agent_turns(agent: Any, transcript: Transcript, config: RunnableConfig) -> list[BaseMessage]:
    history: list[BaseMessage] = []
    for turn in AGENT_TURNS:
        transcript.user(turn)
        printer = _ChunkPrinter(transcript)
        stream = agent.stream(
            {"messages": [*history, HumanMessage(turn)]},
            config=config,
            stream_mode=["messages", "values"],
        )
        for mode, data in stream:
            if mode == "values":
                history = list(data["messages"])
                continue
            message = data[0]
            if isinstance(message, AIMessageChunk):
                printer.feed(message)
            elif isinstance(message, ToolMessage):
                transcript.tool_result(message.name or "tool", _text(message.content))
        transcript.end_block()
    return history


def _explicit_loop(
    llm: ChatDeepSeek, tools: Sequence[BaseTool], transcript: Transcript, config: RunnableConfig
) -> list[BaseMessage]:
    model = llm.bind_tools(tools)
    by_name = {tool.name: tool for tool in tools}
    history: list[BaseMessage] = [SystemMessage(AGENT_SYSTEM_PROMPT)]
    for turn in AGENT_TURNS:
        transcript.user(turn)
        history.append(HumanMessage(turn))
        for _ in range(_MAX_MODEL_CALLS):
            printer = _ChunkPrinter(transcript)
            reply: AIMessage | None = None
            for chunk in model.stream(history, config=config):
                if isinstance(chunk, AIMessageChunk):
                    reply = printer.feed(chunk) or reply
            reply = reply or printer.finish()
            if reply is None:
                break
            history.append(reply)  # reasoning_content included: the pass-back needs it
            if not reply.tool_calls:
                break
            for call in reply.tool_calls:
                result = by_name[call["name"]].invoke(call)
                transcript.tool_result(call["name"], _text(result.content))
                history.append(result)
        transcript.end_block()
    return history


class _ChunkPrinter:
    """Streams reasoning and answer pieces; prints the tool calls once a message is complete."""

    def __init__(self, transcript: Transcript) -> None:
        self._transcript = transcript
        self._message: AIMessageChunk | None = None

    def feed(self, chunk: AIMessageChunk) -> AIMessage | None:
        """Shows one chunk; returns the whole message after its last chunk."""
        reasoning = chunk.additional_kwargs.get(REASONING_KEY)
        if isinstance(reasoning, str):
            self._transcript.reasoning(reasoning)
        if isinstance(chunk.content, str):
            self._transcript.answer(chunk.content)
        self._message = chunk if self._message is None else self._message + chunk
        return self.finish() if chunk.chunk_position == "last" else None

    def finish(self) -> AIMessage | None:
        message, self._message = self._message, None
        if message is None:
            return None
        self._transcript.end_block()
        for call in message.tool_calls:
            self._transcript.tool_call(call["name"], json.dumps(call["args"], ensure_ascii=False))
        complete = message_chunk_to_message(message)
        return complete if isinstance(complete, AIMessage) else None


class UsageCallback(BaseCallbackHandler):
    """Records the usage of every model call (`on_llm_end` sees the merged stream)."""

    def __init__(self, record: Callable[[str, Usage], None]) -> None:
        self.record = record

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        for generations in response.generations:
            for generation in generations:
                if not isinstance(generation, ChatGeneration):
                    continue
                metadata = generation.message.response_metadata
                usage = metadata.get("token_usage")
                if isinstance(usage, dict):
                    model = str(metadata.get("model_name") or DEMO_MODEL)
                    self.record(model, Usage.model_validate(usage))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return " ".join(
        str(part.get("text", part)) if isinstance(part, dict) else str(part) for part in content
    )
