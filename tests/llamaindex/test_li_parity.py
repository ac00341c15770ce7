"""Cross-adapter parity: one conversation, byte-identical request JSON from both adapters.

The conversation: user, assistant tool call with reasoning (as DeepSeek returned it), tool
result, final answer, next user question. Each adapter turns the same DeepSeek responses into its
own framework messages, then builds the next request; the core must receive the same bytes.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from llama_index.core.base.llms.types import ChatMessage

from deepseek_ext_core import ChatCompletion, Tool, ToolFunction
from deepseek_ext_core.integration import prepare_chat_request
from langchain_deepseek_ext import ChatDeepSeek
from langchain_deepseek_ext._convert import from_completion as lc_from_completion
from llamaindex_deepseek_ext import DeepSeek
from llamaindex_deepseek_ext._convert import from_completion as li_from_completion

TOOLS = [
    Tool(
        function=ToolFunction(
            name="get_weather",
            description="Weather for a city.",
            parameters={"type": "object", "properties": {"city": {"type": "string"}}},
        )
    )
]


def _completion(message: dict[str, Any], finish: str) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "c",
            "model": "deepseek-v4-pro",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        }
    )


TOOL_TURN = _completion(
    {
        "role": "assistant",
        "content": "",
        "reasoning_content": "I need the weather tool for Zürich.",
        "tool_calls": [
            {
                "id": "call_00_abc",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Zürich"}'},
            }
        ],
    },
    "tool_calls",
)
FINAL_TURN = _completion(
    {"role": "assistant", "content": "Sunny, 21 °C.", "reasoning_content": "Report it."}, "stop"
)


def test_same_conversation_same_request_bytes() -> None:
    lc_history = [
        SystemMessage(content="Be brief."),
        HumanMessage(content="Weather in Zürich?"),
        lc_from_completion(TOOL_TURN),
        ToolMessage(content="sunny, 21 °C", tool_call_id="call_00_abc"),
        lc_from_completion(FINAL_TURN),
        HumanMessage(content="And tomorrow?"),
    ]
    li_history = [
        ChatMessage(role="system", content="Be brief."),
        ChatMessage(role="user", content="Weather in Zürich?"),
        li_from_completion(TOOL_TURN, model="deepseek-v4-pro").message,
        ChatMessage(
            role="tool", content="sunny, 21 °C", additional_kwargs={"tool_call_id": "call_00_abc"}
        ),
        li_from_completion(FINAL_TURN, model="deepseek-v4-pro").message,
        ChatMessage(role="user", content="And tomorrow?"),
    ]
    settings: dict[str, Any] = {
        "model": "deepseek-v4-pro",
        "api_key": "k",
        "thinking": "enabled",
        "max_tokens": 1024,
    }
    lc_request = ChatDeepSeek(**settings)._chat_request(
        lc_history, None, {"tools": TOOLS}, stream=False
    )
    li_request = DeepSeek(**settings)._request(li_history, {"tools": TOOLS}, stream=False)
    lc_bytes = prepare_chat_request(lc_request).json_bytes()
    li_bytes = prepare_chat_request(li_request).json_bytes()
    assert li_bytes == lc_bytes
    assert b'"reasoning_content":"I need the weather tool for Z' in li_bytes
