"""Argument parsing, dispatch, and the one place where errors become messages and exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from deepseek_ext_cli._account import run_balance, run_models
from deepseek_ext_cli._batch import BatchCommand, run_batch_command, run_merge_command
from deepseek_ext_cli._demo import run_demo
from deepseek_ext_cli._demo_kit import DEMO_MODEL
from deepseek_ext_cli._explain import ExitCode, explain
from deepseek_ext_cli._generate import ChatOptions, run_chat, run_fim
from deepseek_ext_cli._output import redact
from deepseek_ext_core import DeepSeekClient, DeepSeekError, __version__

__all__ = ["build_parser", "main"]

_EPILOG = """\
exit codes:
  0    success
  1    API error (DeepSeek answered with an error or could not be reached)
  2    usage error (bad arguments, or a request rejected before sending)
  3    missing API key, or the key was rejected (401)
  4    insufficient balance (402); top up at https://platform.deepseek.com/top_up
  130  interrupted (Ctrl-C)

environment:
  DEEPSEEK_API_KEY   the API key (never printed)
  DEEPSEEK_BASE_URL  the API base URL, e.g. the emulator's http://127.0.0.1:PORT
  DEEPSEEK_BETA_BASE_URL
                     where FIM goes on a base other than DeepSeek's own host,
                     e.g. the emulator's http://127.0.0.1:PORT/beta
"""


def build_parser() -> argparse.ArgumentParser:
    """The `deepseek-ext` argument parser."""
    parser = argparse.ArgumentParser(
        prog="deepseek-ext",
        description="DeepSeek from the command line: chat, FIM, models, balance, batch, demo, "
        "emulator.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"deepseek-ext {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--base-url",
        metavar="URL",
        help="API base URL (default: $DEEPSEEK_BASE_URL, else https://api.deepseek.com)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = commands.add_parser("chat", parents=[common], help="chat, streaming (REPL on stdin)")
    chat.add_argument("message", nargs="?", help="answer this one message and exit")
    chat.add_argument("--model", default=DEMO_MODEL, help=f"model id (default: {DEMO_MODEL})")
    chat.add_argument("--no-thinking", action="store_true", help="turn thinking mode off")
    chat.add_argument("--hide-reasoning", action="store_true", help="do not show reasoning")
    chat.add_argument("--system", metavar="TEXT", help="a system prompt")
    chat.add_argument("--max-tokens", type=int, metavar="N", help="cap on reasoning + answer")

    fim = commands.add_parser("fim", parents=[common], help="fill in the middle, streaming")
    _add_beta_base_url(fim)
    fim.add_argument("--prompt", required=True, help="text before the gap ('-' reads stdin)")
    fim.add_argument("--suffix", help="text after the gap")
    fim.add_argument("--model", default=DEMO_MODEL, help=f"model id (default: {DEMO_MODEL})")
    fim.add_argument("--max-tokens", type=int, metavar="N", help="at most 4096")

    for name, text in (("models", "list the models"), ("balance", "show the account balance")):
        sub = commands.add_parser(name, parents=[common], help=text)
        sub.add_argument("--json", action="store_true", help="print DeepSeek's JSON")

    demo_help = (
        "three parts: a LangChain agent, a LlamaIndex query engine, web retrieval "
        "(offline against the emulator without DEEPSEEK_API_KEY, live with it)"
    )
    demo = commands.add_parser("demo", parents=[common], help=demo_help, description=demo_help)
    demo.add_argument(
        "--offline", action="store_true", help="use the emulator even if DEEPSEEK_API_KEY is set"
    )

    batch = commands.add_parser(
        "batch", parents=[common], help=_BATCH_HELP, description=_BATCH_HELP
    )
    _add_beta_base_url(batch)
    _add_batch(batch)

    merge_help = "merge the outputs of a sharded batch, reporting custom_ids answered twice or not"
    merge = commands.add_parser("batch-merge", help=merge_help, description=merge_help)
    merge.add_argument("outputs", type=Path, nargs="+", help="the shards' output files")
    merge.add_argument("-o", "--output", type=Path, required=True, help="the merged output")
    merge.add_argument("--input", type=Path, help="the job's input, to find what has no answer")

    emulator = commands.add_parser("emulator", help="serve the offline DeepSeek emulator")
    emulator.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    emulator.add_argument(
        "--cassettes", metavar="DIR", type=_directory, help="replay recorded cassettes (PyYAML)"
    )
    emulator.add_argument(
        "--prefix-cache", action="store_true", help="model DeepSeek's context cache in usage"
    )
    emulator.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="time every answer takes",
    )
    return parser


def _add_beta_base_url(command: argparse.ArgumentParser) -> None:
    """Only the commands that can send a FIM request take a beta base."""
    command.add_argument(
        "--beta-base-url",
        metavar="URL",
        default=os.environ.get("DEEPSEEK_BETA_BASE_URL") or None,
        help="where FIM goes when the base URL is not DeepSeek's own host, which finds its "
        "/beta by itself (default: $DEEPSEEK_BETA_BASE_URL, else the base URL as given)",
    )


def _directory(text: str) -> str:
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"no directory {text!r}")
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds: {text!r}")
    return value


_BATCH_HELP = "run a JSONL batch (OpenAI Batch format) off-peak, within a budget, resumable"


def _add_batch(batch: argparse.ArgumentParser) -> None:
    batch.add_argument(
        "input", type=Path, help="requests, one JSON object a line ('-': standard input)"
    )
    batch.add_argument(
        "-o", "--output", type=Path, required=True, help="answers, appended (rerun to resume)"
    )
    batch.add_argument(
        "--window",
        choices=["now", "off-peak"],
        default="now",
        help="off-peak: send only in DeepSeek's half-price hours, waiting for them (default: now)",
    )
    batch.add_argument(
        "--max-cost",
        type=_usd,
        metavar="USD",
        help="the job's budget across runs (what earlier runs wrote to OUTPUT counts): stop "
        "sending before it would be passed",
    )
    batch.add_argument(
        "--no-warmup",
        action="store_true",
        help="send requests sharing a long prefix at once, without warming the cache first",
    )
    batch.add_argument(
        "--concurrency", type=_positive, default=16, metavar="N", help="requests in flight"
    )
    batch.add_argument("--json", action="store_true", help="print the report as JSON")
    batch.add_argument(
        "--redis",
        metavar="URL",
        help="share the account's slots, back-off and --max-cost with every job and worker "
        "using this Redis (redis:// or rediss://; needs the redis extra)",
    )
    batch.add_argument(
        "--account",
        default="default",
        metavar="NAME",
        help="with --redis: the name of the shared account (default: default)",
    )
    batch.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="send only the K-th of N deterministic shares of the input (1-based), so N "
        "processes or hosts split one job, each with its own output",
    )


def _shard(text: str) -> tuple[int, int]:
    k, _, n = text.partition("/")
    if not (k.isdigit() and n.isdigit()) or not 1 <= int(k) <= int(n):
        raise argparse.ArgumentTypeError(f"must be K/N with 1 <= K <= N, like 2/4: {text!r}")
    return int(k), int(n)


def _usd(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0: {text!r}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Runs `deepseek-ext`; returns the exit code (see `ExitCode`)."""
    stdin, out, err = sys.stdin, sys.stdout, sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else ExitCode.USAGE
    if args.command is None:
        parser.print_help(err)
        return ExitCode.USAGE
    try:
        return int(_dispatch(args, stdin, out, err))
    except KeyboardInterrupt:
        err.write("\ninterrupted\n")
        return ExitCode.INTERRUPTED
    except DeepSeekError as exc:
        code, message = explain(exc)
        err.write(redact(message) + "\n")
        return code
    except ValidationError as exc:
        err.write(redact(f"error: invalid request: {_first_error(exc)}") + "\n")
        return ExitCode.USAGE


def _dispatch(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    command: str = args.command
    if command == "emulator":
        return _serve(args.port, args.cassettes, err, args.prefix_cache, args.latency)
    if command == "demo":
        return run_demo(offline=args.offline, base_url=args.base_url, out=out, err=err)
    if command == "batch-merge":
        return run_merge_command(args.outputs, args.output, args.input, out=out, err=err)
    if command == "batch":
        batch = BatchCommand(
            args.input,
            args.output,
            window=args.window,
            max_cost=args.max_cost,
            warmup=not args.no_warmup,
            concurrency=args.concurrency,
            as_json=args.json,
            redis_url=args.redis,
            account=args.account,
            shard=args.shard,
        )
        return run_batch_command(
            batch, base_url=args.base_url, beta_base_url=args.beta_base_url, out=out, err=err
        )
    beta_base_url = getattr(args, "beta_base_url", None)
    with DeepSeekClient(base_url=args.base_url, beta_base_url=beta_base_url) as client:
        if command == "models":
            return run_models(client, as_json=args.json, out=out)
        if command == "balance":
            return run_balance(client, as_json=args.json, out=out, err=err)
        if command == "fim":
            prompt = stdin.read() if args.prompt == "-" else args.prompt
            return run_fim(
                client,
                model=args.model,
                prompt=prompt,
                suffix=args.suffix,
                max_tokens=args.max_tokens,
                out=out,
                err=err,
            )
        options = ChatOptions(
            model=args.model,
            thinking=not args.no_thinking,
            show_reasoning=not args.hide_reasoning,
            system=args.system,
            message=args.message,
            max_tokens=args.max_tokens,
        )
        return run_chat(client, options, stdin, out, err)


def _serve(
    port: int, cassettes: str | None, err: TextIO, prefix_cache: bool, latency: float
) -> int:
    from deepseek_ext_emulator import serve

    try:
        serve(port, cassette_dir=cassettes, prefix_cache=prefix_cache, latency=latency)
    except ModuleNotFoundError as exc:
        err.write(
            f"error: --cassettes needs PyYAML ({exc.name} is not installed): pip install pyyaml\n"
        )
        return ExitCode.USAGE
    except OSError as exc:
        err.write(f"error: cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}\n")
        return ExitCode.API_ERROR
    return ExitCode.OK


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"{where}: {first['msg']}" if where else str(first["msg"])
