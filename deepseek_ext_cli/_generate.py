"""`deepseek-ext chat` and `deepseek-ext fim`: streamed answers on stdout.

`chat` keeps the conversation as the core's neutral messages and appends each answer with
`to_message()`, so every request goes through `to_wire_messages` and its reasoning pass-back rule,
as any program built on the core would. Reasoning goes to stderr (dimmed on a terminal), the
answer to stdout, so `deepseek-ext chat "..." > answer.txt` keeps only the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from deepseek_ext_cli._explain import ExitCode, explain
from deepseek_ext_cli._output import Progress, Transcript, redact
from deepseek_ext_core import (
    ChatCompletion,
    ChatRequest,
    DeepSeekClient,
    DeepSeekError,
    FIMRequest,
    Message,
    StreamOptions,
    SystemMessage,
    UserMessage,
    get_capabilities,
)
from deepseek_ext_core.integration import thinking_is_on

__all__ = ["ChatOptions", "run_chat", "run_fim"]

_EXIT_WORDS = {"/exit", "/quit", ":q"}
_COMMAND = re.compile(r"/[A-Za-z]+")
"""A line that is one slash word is a command to the REPL, never a message to the model."""
_HELP = (
    "commands: /reset forgets the conversation, /exit (or /quit, Ctrl-D) quits, /help shows "
    "this; any other line is sent to the model\n"
)


@dataclass(frozen=True)
class ChatOptions:
    """What `chat` was asked to do."""

    model: str
    thinking: bool
    show_reasoning: bool
    system: str | None
    message: str | None
    """A single message to answer, then exit (no REPL)."""
    max_tokens: int | None


def run_chat(
    client: DeepSeekClient, options: ChatOptions, stdin: TextIO, out: TextIO, err: TextIO
) -> int:
    """The REPL (or one answer with `options.message`); returns the exit code."""
    interactive = options.message is None and stdin.isatty()
    transcript = Transcript(out, reasoning_out=err)
    start: list[Message] = [SystemMessage(options.system)] if options.system else []
    history = list(start)
    if interactive:
        err.write(f"Chatting with {options.model}. /reset forgets, /exit or Ctrl-D quits, /help.\n")
    lines: Iterable[str] = (
        [options.message] if options.message is not None else _lines(stdin, err, interactive)
    )
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if text in _EXIT_WORDS:
            break
        if text == "/reset":
            history = list(start)
            err.write("(conversation forgotten)\n")
            continue
        if _COMMAND.fullmatch(text):
            known = text == "/help"
            err.write(_HELP if known else f"unknown command {text}; {_HELP}")
            continue
        request = _chat_request(options, [*history, UserMessage(text)])
        try:
            completion = stream_answer(client, request, transcript, err, options.show_reasoning)
        except DeepSeekError as exc:
            code, message = explain(exc)
            if not interactive or code != ExitCode.API_ERROR:
                raise
            # At a prompt, a failed turn is dropped and the conversation goes on.
            transcript.end_block()
            err.write(redact(message) + "\n")
            continue
        history += [UserMessage(text), completion.message.to_message()]
    return 0


def _lines(stdin: TextIO, err: TextIO, interactive: bool) -> Iterator[str]:
    if not interactive:
        yield from stdin
        return
    while True:
        try:
            yield input("you> ")  # readline editing on a terminal
        except EOFError:
            err.write("\n")
            return


def _chat_request(options: ChatOptions, messages: list[Message]) -> ChatRequest:
    return ChatRequest(
        model=options.model,
        messages=tuple(messages),
        thinking=None if options.thinking else "disabled",
        max_tokens=options.max_tokens,
        stream=True,
        stream_options=StreamOptions(include_usage=True),
    )


def stream_answer(
    client: DeepSeekClient,
    request: ChatRequest,
    transcript: Transcript,
    err: TextIO,
    show_reasoning: bool,
) -> ChatCompletion:
    """Streams one answer through `transcript`; returns the merged completion."""
    thinking = thinking_is_on(request, get_capabilities(request.model))
    label = f"{request.model} is thinking" if thinking else f"waiting for {request.model}"
    with Progress(err, label) as progress, client.stream_chat(request) as stream:
        for chunk in stream:
            delta = chunk.choices[0].delta if chunk.choices else None
            if delta is None:
                continue
            if delta.reasoning_content and show_reasoning:
                progress.stop()
                transcript.reasoning(delta.reasoning_content)
            if delta.content:
                progress.stop()
                transcript.answer(delta.content)
        completion = stream.completion()
    transcript.end_block()
    if not completion.message.content and not completion.message.tool_calls:
        err.write(f"(empty answer, finish reason {completion.finish_reason})\n")
    return completion


def run_fim(
    client: DeepSeekClient,
    *,
    model: str,
    prompt: str,
    suffix: str | None,
    max_tokens: int | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Streams the text that fills the gap between `prompt` and `suffix`."""
    request = FIMRequest(
        model=model, prompt=prompt, suffix=suffix, max_tokens=max_tokens, stream=True
    )
    wrote_newline = True
    with Progress(err, f"waiting for {model}") as progress, client.stream_fim(request) as stream:
        for event in stream:
            if event.text:
                progress.stop()
                out.write(event.text)
                out.flush()
                wrote_newline = event.text.endswith("\n")
    if not wrote_newline:
        out.write("\n")
    return 0
