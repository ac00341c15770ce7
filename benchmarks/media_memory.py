"""Client memory while a 100 MiB file is uploaded to OCR and while 30 minutes of TTS audio are
saved: both stream (from disk, to disk), so the client's peak RSS stays flat, far below the size
of what passes through it.

Each measurement runs in a fresh child process (its peak RSS is its own), against the emulator
in another process; the baseline child makes the same calls on a small file and a short text.
For contrast, one child reads the 100 MiB file into memory first (what streaming avoids).

    .venv/bin/python benchmarks/media_memory.py [--write-docs]
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.*, from a checkout

from tests.figures import write_figures

MIB = 1024 * 1024
UPLOAD_BYTES = 100 * MIB - 4096  # DeepSeek's OCR limit, less room for the form's own bytes
TTS_CHARACTERS = 10_000  # the most one request takes: 30 minutes of 24 kHz 16-bit audio


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _emulator() -> Iterator[str]:
    """The emulator in a process of its own, so its memory is not the client's."""
    port = _free_port()
    code = f"from deepseek_ext_emulator import serve; serve({port})"
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _big_pdf(folder: Path) -> Path:
    from tests.media_files import make_pdf

    path = folder / "big.pdf"
    head = make_pdf()
    filler = b"0" * MIB
    with path.open("wb") as out:  # a MiB at a time: this process stays small too
        out.write(head + b"%")
        left = UPLOAD_BYTES - len(head) - 2
        while left > 0:
            out.write(filler[: min(MIB, left)])
            left -= MIB
        out.write(b"\n")
    return path


def _peak_kib() -> int:
    """This process's peak RSS: Linux's VmHWM (`ru_maxrss` would carry the parent's peak over
    `exec`), else `ru_maxrss`."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(kind: str, base: str, path: str) -> None:
    """One measurement: the calls of `kind`, then this process's peak RSS in KiB."""
    from deepseek_ext_core import DeepSeekClient
    from tests.media_files import make_pdf

    with DeepSeekClient(api_key="k", base_url=base, timeout=600) as client:
        if kind == "baseline":
            client.ocr(make_pdf(), filename="small.pdf")
            client.speak_to_file("Hello there.", Path(path).with_name("small.wav"))
        elif kind == "ocr-streamed":
            client.ocr(Path(path))
        elif kind == "ocr-buffered":
            client.ocr(Path(path).read_bytes(), filename="big.pdf")
        elif kind == "tts-streamed":
            result = client.speak_to_file("a" * TTS_CHARACTERS, Path(path).with_name("long.wav"))
            print(f"bytes {result.bytes}")
    print(f"peak {_peak_kib()}")


def _measure(kind: str, base: str, path: Path) -> tuple[float, int]:
    """(peak RSS in MiB, bytes of audio written) of one child run."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, base, str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    values = dict(line.split() for line in out.splitlines())
    return int(values["peak"]) / 1024, int(values.get("bytes", 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory() as scratch, _emulator() as base:
        pdf = _big_pdf(Path(scratch))
        baseline, _ = _measure("baseline", base, pdf)
        ocr, _ = _measure("ocr-streamed", base, pdf)
        buffered, _ = _measure("ocr-buffered", base, pdf)
        tts, audio = _measure("tts-streamed", base, pdf)
    size = UPLOAD_BYTES / MIB
    lines = [
        "| what passes through the client | size | peak RSS | over the baseline |",
        "|---|---|---|---|",
        f"| baseline: a 2-page PDF to OCR, a short text to TTS | - | {baseline:.0f} MiB | - |",
        f"| a PDF uploaded to OCR, streamed from disk | {size:.0f} MiB | {ocr:.0f} MiB "
        f"| {ocr - baseline:+.0f} MiB ({(ocr - baseline) / size:+.2f}x the file) |",
        f"| 30 minutes of TTS audio saved to a file | {audio / MIB:.0f} MiB | {tts:.0f} MiB "
        f"| {tts - baseline:+.0f} MiB ({(tts - baseline) / (audio / MIB):+.2f}x the audio) |",
        f"| for contrast: the same PDF read into memory first | {size:.0f} MiB "
        f"| {buffered:.0f} MiB | {buffered - baseline:+.0f} MiB |",
    ]
    print("\n".join(lines))
    if args.write_docs:
        write_figures("media-memory", "python benchmarks/media_memory.py --write-docs", lines)


if __name__ == "__main__":
    main()
