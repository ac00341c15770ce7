"""Fresh-interpreter measurements, one per process; `run.py` starts these and reads one JSON line.

python benchmarks/_probe.py import "<statements>"   seconds to run the import statements
python benchmarks/_probe.py memory <contender> <server root URL> [route]
    peak RSS after one request; with a route (`think`, `control`), then the RSS growth
    over one stream of that route, from a reset peak (`/proc/self/clear_refs`), with the
    stream's result kept until measured. One route per process, so one stream's freed
    memory never hides the next one's growth.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _status(field: str) -> int:
    """A `/proc/self/status` size in bytes (VmRSS: current, VmHWM: peak since the last reset)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def _growth(run: Any) -> dict[str, int]:
    """Peak and retained RSS growth over `run()`, its result still alive at the measurement."""
    gc.collect()
    before = _status("VmRSS")
    _reset_peak()
    kept = run()
    peak = _status("VmHWM")
    after = _status("VmRSS")
    del kept
    return {"peak": max(peak - before, 0), "retained": max(after - before, 0)}


def import_time(statements: str) -> dict[str, float]:
    start = time.perf_counter()
    exec(statements, {})
    return {"seconds": time.perf_counter() - start}


def memory(name: str, root: str, route: str | None) -> dict[str, Any]:
    from _contenders import CONTENDERS

    contender = CONTENDERS[name]
    plain = contender.make(root + "/plain")
    plain.call()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked parent across exec.
    result: dict[str, Any] = {"peak_after_one_request": _status("VmHWM")}
    if route is None or not hasattr(plain, "stream"):
        return result
    contender.make(root + "/s1000").stream()  # warm: lazy imports, first-stream caches
    result["stream"] = _growth(contender.make(root + "/" + route).stream)
    return result


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "import":
        out: dict[str, Any] = import_time(args[0])
    elif command == "memory":
        out = memory(args[0], args[1], args[2] if len(args) > 2 else None)
    else:
        raise SystemExit(f"unknown probe {command!r}")
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
