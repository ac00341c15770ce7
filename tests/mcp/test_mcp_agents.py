"""Tools from a real MCP server (FastMCP over stdio), named as MCP servers name them, run by a
LangChain agent (`langchain-mcp-adapters` -> `create_agent` with `ChatDeepSeek`) and a LlamaIndex
`FunctionAgent` (`llama-index-tools-mcp` -> `DeepSeek`), thinking on, over three tool rounds
against the emulator. DeepSeek sees only names it takes; every tool really runs and its result
reaches the model."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deepseek_ext_core._tool_names import is_wire_name, wire_names
from deepseek_ext_emulator import Emulator, Reply

from .mcp_server import LONG_NAME

SERVER = Path(__file__).with_name("mcp_server.py")
KEY = "test-key"
TASK = {"title": "Ship 1.0", "assignee": {"name": "Ada", "email": "ada@example.com"}}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


@pytest.fixture
def call_log(tmp_path: Path) -> Path:
    return tmp_path / "calls.jsonl"


def _server_env(call_log: Path) -> dict[str, str]:
    """MCP's stdio clients start servers with a minimal environment: name what it needs."""
    return {
        "MCP_CALL_LOG": str(call_log),
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }


def _script(emulator: Emulator) -> None:
    """Three tool rounds and an answer, as DeepSeek would send them: under the wire names."""
    long_wire = wire_names([LONG_NAME])[LONG_NAME]
    emulator.push(
        Reply.tool_calls([("asana_create_task", {"task": TASK})], reasoning="Create the task."),
        Reply.tool_calls(
            [("github_create_issue", {"repo": "acme/app", "title": "Ship 1.0"})],
            reasoning="Now the issue.",
        ),
        Reply.tool_calls(
            [(long_wire, {"title": "Ship 1.0", "due": "2026-12-24"})], reasoning="Track it."
        ),
        Reply.text("Done: task T-42, issue acme/app#7, tracked.", reasoning="All three ran."),
    )


def _check_the_run(emulator: Emulator, call_log: Path) -> None:
    calls = [json.loads(line) for line in call_log.read_text().splitlines()]
    assert [c["tool"] for c in calls] == ["asana.create_task", "github/create_issue", LONG_NAME]
    assert calls[0]["arguments"]["assignee"] == TASK["assignee"]  # the nested $defs input
    chats = [r for r in emulator.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == 4
    for request in chats:
        names = [t["function"]["name"] for t in request.body["tools"]]
        assert all(is_wire_name(n) for n in names), names
    last = json.dumps(chats[-1].body["messages"])
    for result in (
        "created task 'Ship 1.0' for Ada (id T-42)",
        "opened acme/app#7",
        "tracked Ship 1.0",
    ):
        assert result in last  # each tool's result reached the model
    # Thinking mode with tools: every tool-call turn's reasoning went back (else DeepSeek's 400).
    assistant = [m for m in chats[-1].body["messages"] if m["role"] == "assistant"]
    assert [m.get("reasoning_content") for m in assistant] == [
        "Create the task.",
        "Now the issue.",
        "Track it.",
    ]


async def test_a_langchain_agent_runs_mcp_tools_through_chat_deepseek(
    emulator: Emulator, call_log: Path
) -> None:
    from langchain.agents import create_agent
    from langchain_mcp_adapters.client import MultiServerMCPClient

    from langchain_deepseek_ext import ChatDeepSeek

    client = MultiServerMCPClient(
        {
            "tracker": {
                "command": sys.executable,
                "args": [str(SERVER)],
                "transport": "stdio",
                "env": _server_env(call_log),
            }
        }
    )
    tools = await client.get_tools()
    assert {t.name for t in tools} == {"asana.create_task", "github/create_issue", LONG_NAME}
    _script(emulator)
    model = ChatDeepSeek(
        model="deepseek-v4-pro", thinking="enabled", api_key=KEY, base_url=emulator.base_url
    )
    agent = create_agent(model, tools)

    state: dict[str, Any] = await agent.ainvoke(
        {"messages": [("user", "Create the task, open the issue, and track it.")]}
    )

    assert state["messages"][-1].content == "Done: task T-42, issue acme/app#7, tracked."
    _check_the_run(emulator, call_log)


async def test_a_llamaindex_function_agent_runs_mcp_tools_through_deepseek(
    emulator: Emulator, call_log: Path
) -> None:
    from llama_index.core.agent.workflow import FunctionAgent
    from llama_index.tools.mcp import BasicMCPClient, McpToolSpec

    from llamaindex_deepseek_ext import DeepSeek

    client = BasicMCPClient(sys.executable, args=[str(SERVER)], env=_server_env(call_log))
    spec = McpToolSpec(client=client)
    tools = await spec.to_tool_list_async()
    assert {t.metadata.name for t in tools} == {
        "asana.create_task",
        "github/create_issue",
        LONG_NAME,
    }
    _script(emulator)
    llm = DeepSeek(
        model="deepseek-v4-pro", thinking="enabled", api_key=KEY, api_base=emulator.base_url
    )
    agent = FunctionAgent(tools=tools, llm=llm)

    answer = await agent.run("Create the task, open the issue, and track it.")

    assert str(answer) == "Done: task T-42, issue acme/app#7, tracked."
    _check_the_run(emulator, call_log)
