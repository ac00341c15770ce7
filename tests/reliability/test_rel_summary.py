"""The figures of this run, asserted (pytest runs this module last in the folder).

The same lines are printed at the end of the session by `conftest.pytest_terminal_summary`,
and `conftest.pytest_sessionfinish` fails the run if any promise is broken, so a leak or lost
data cannot pass unnoticed even when this module is deselected.
"""

from __future__ import annotations

from _tally import TALLY

# The fault kinds the reliability suite covers, by the scenario names used in the fault tests.
ISSUE_FAULTS = {
    "keep-alive for seconds",
    "429 with Retry-After",
    "429 without Retry-After",
    "500 once",
    "502 once",
    "503 once",
    "504 once",
    "connection refused",
    "reset before headers once",
    "reset mid-body or mid-stream",
    "stream without [DONE]",
    "empty 200 body once",
    "truncated JSON body once",
    "read timeout once",
    "insufficient_system_resource once",
}


def test_the_figures_keep_the_promises() -> None:
    lines = TALLY.lines()
    print("\n" + "\n".join(lines))
    assert TALLY.problems() == []
    assert TALLY.faults_lost_data == 0
    assert TALLY.secret_leaks == 0
    assert TALLY.leaked_resources == 0
    assert TALLY.bad_inputs_rejected + TALLY._bad_known == TALLY.bad_inputs_tried
    assert TALLY.load_completed == TALLY.load_requests
    assert lines[0].startswith("faults: ") and "lost data (must be 0)" in lines[0]


def test_every_fault_the_issue_names_was_tried_when_the_fault_tests_ran() -> None:
    if "429 with Retry-After" not in TALLY.fault_names:  # the fault modules were deselected
        return
    if "keep-alive for seconds" not in TALLY.fault_names:  # only test_rel_faults.py ran
        assert ISSUE_FAULTS - TALLY.fault_names <= {"keep-alive for seconds", "read timeout once"}
        return
    assert TALLY.fault_names >= ISSUE_FAULTS, ISSUE_FAULTS - TALLY.fault_names
