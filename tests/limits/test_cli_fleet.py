"""`deepseek-ext batch --redis --shard K/N` and `deepseek-ext batch-merge`: one job on many
processes, sharing the account through Redis, merged and checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deepseek_ext_cli import main
from deepseek_ext_core.batch import in_shard
from deepseek_ext_emulator import Emulator

from ..batch.batch_support import read_output, write_input
from .redis_server import RedisServer

KEY = "test-key"


def test_shards_split_a_job_and_merge_back_whole(
    redis: RedisServer,
    account: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "in.jsonl"
    ids = write_input(source, 30)
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    with Emulator(api_key=KEY, account_concurrency=4, latency=0.01) as emu:
        for k in (1, 2, 3):
            argv = ["batch", str(source), "-o", str(tmp_path / f"out{k}.jsonl"),
                    "--base-url", emu.base_url, "--redis", redis.url, "--account", account,
                    "--shard", f"{k}/3", "--concurrency", "4", "--no-warmup"]  # fmt: skip
            assert main(argv) == 0, capsys.readouterr().err
        assert emu.rate_limited == 0 and emu.most_in_flight <= 4
    shares = [
        {line["custom_id"] for line in read_output(tmp_path / f"out{k}.jsonl")} for k in (1, 2, 3)
    ]
    assert all(shares) and sum(len(s) for s in shares) == 30  # no overlap, nothing left out
    assert shares[0] == {i for i in ids if in_shard(i, (1, 3))}
    capsys.readouterr()

    code = main(["batch-merge", *(str(tmp_path / f"out{k}.jsonl") for k in (1, 2, 3)),
                 "-o", str(tmp_path / "all.jsonl"), "--input", str(source)])  # fmt: skip

    assert code == 0
    assert "merged 30 answers" in capsys.readouterr().out
    assert sorted(line["custom_id"] for line in read_output(tmp_path / "all.jsonl")) == sorted(ids)


def test_merge_reports_answers_twice_and_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    write_input(source, 3)
    line = {"id": "x", "custom_id": "request-0", "response": {"status_code": 200}, "error": None}
    (tmp_path / "a.jsonl").write_text(json.dumps(line) + "\n")
    (tmp_path / "b.jsonl").write_text(json.dumps(line) + "\n")

    code = main(["batch-merge", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"),
                 "-o", str(tmp_path / "m.jsonl"), "--input", str(source)])  # fmt: skip

    out = capsys.readouterr().out
    assert code == 1
    assert "answered twice: request-0" in out
    assert "no answer: request-1, request-2" in out


def test_bad_shards_and_a_missing_redis_extra_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    source = tmp_path / "in.jsonl"
    write_input(source, 1)
    for shard in ("0/3", "4/3", "x"):
        assert main(["batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--shard", shard]) == 2
    monkeypatch.setitem(sys.modules, "redis", None)
    code = main(["batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--redis", "redis://x"])
    err = capsys.readouterr().err
    assert code == 2
    assert "pip install 'deepseek-ext[redis]'" in err.splitlines()[-1]
