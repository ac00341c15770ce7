"""The reliability figures: a small registry the tests feed, printed and checked at session end.

Every fault, bad input, secret scan, cancellation and load run in `tests/reliability/` records
what it tried and what happened here. `conftest.py` prints one line per category at the end of
the session (`pytest_terminal_summary`, which sees every test that ran, whatever the selection
or order) and fails the session when data was lost or a key leaked. Each figure's own assertion
lives in the test that measures it: a fault test asserts that no data was lost, a secret test
that no key was found, a load test that every request completed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

FaultResult = Literal["recovered", "typed", "flagged", "untyped"]
"""`recovered`: full answer after retries; `typed`: a documented error class was raised;
`flagged`: a partial answer returned with `finish_reason="insufficient_system_resource"`;
`untyped`: anything else (a broken promise)."""

__all__ = ["TALLY", "FaultResult", "Tally"]


@dataclass
class Tally:
    """Counters, safe to update from the threads some tests run drivers in."""

    faults_tried: int = 0
    faults_recovered: int = 0
    faults_typed: int = 0
    faults_flagged: int = 0
    faults_untyped: int = 0
    faults_lost_data: int = 0
    faults_known_bug: int = 0
    known_bugs: int = 0
    """Runs of a test marked xfail (a reported bug): counted apart, not held against the run."""
    fault_names: set[str] = field(default_factory=set)
    bad_inputs_tried: int = 0
    bad_inputs_rejected: int = 0
    _bad_known: int = 0
    secret_scans: int = 0
    secret_leaks: int = 0
    leak_places: list[str] = field(default_factory=list)
    cancelled_streams: int = 0
    leaked_resources: int = 0
    load_requests: int = 0
    load_completed: int = 0
    load_attempts: int = 0
    load_seconds: float = 0.0
    load_peak_connections: int = 0
    load_rss_growth_mb: float = 0.0
    real_use_tried: int = 0
    real_use_kinds: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fault(
        self, name: str, result: FaultResult, *, lost_data: bool, known_bug: bool = False
    ) -> None:
        """One fault scenario run through one client surface."""
        with self._lock:
            self.faults_tried += 1
            self.fault_names.add(name)
            if known_bug:
                self.known_bugs += 1
                self.faults_known_bug += 1
                return
            if result == "recovered":
                self.faults_recovered += 1
            elif result == "typed":
                self.faults_typed += 1
            elif result == "flagged":
                self.faults_flagged += 1
            else:
                self.faults_untyped += 1
            if lost_data:
                self.faults_lost_data += 1

    def bad_input(self, *, rejected_before_sending: bool, known_bug: bool = False) -> None:
        with self._lock:
            self.bad_inputs_tried += 1
            if known_bug:
                self.known_bugs += 1
                self._bad_known += 1
            elif rejected_before_sending:
                self.bad_inputs_rejected += 1

    def secret_scan(self, place: str, *, leaked: bool, known_bug: bool = False) -> None:
        with self._lock:
            self.secret_scans += 1
            if known_bug and leaked:
                self.known_bugs += 1
            elif leaked:
                self.secret_leaks += 1
                self.leak_places.append(place)

    def cancellations(self, count: int, *, leaked: int) -> None:
        with self._lock:
            self.cancelled_streams += count
            self.leaked_resources += leaked

    def real_use(self, kind: str) -> None:
        """One scenario of real use (event loops, base URLs, copies, odd text) that held."""
        with self._lock:
            self.real_use_tried += 1
            self.real_use_kinds.add(kind)

    def load(self, requests: int, completed: int, attempts: int, seconds: float) -> None:
        with self._lock:
            self.load_requests += requests
            self.load_completed += completed
            self.load_attempts += attempts
            self.load_seconds += seconds

    def load_bounds(self, peak_connections: int, rss_growth_mb: float) -> None:
        with self._lock:
            self.load_peak_connections = max(self.load_peak_connections, peak_connections)
            self.load_rss_growth_mb = max(self.load_rss_growth_mb, rss_growth_mb)

    def problems(self) -> list[str]:
        """What breaks the promises (empty when all is well)."""
        found: list[str] = []
        if self.faults_lost_data:
            found.append(f"{self.faults_lost_data} fault run(s) lost data")
        if self.faults_untyped:
            found.append(f"{self.faults_untyped} fault run(s) ended in an untyped error")
        ended = (
            self.faults_recovered
            + self.faults_typed
            + self.faults_flagged
            + self.faults_untyped
            + self.faults_known_bug
        )
        if ended != self.faults_tried:
            found.append("fault runs were counted but not classified")
        sent = self.bad_inputs_tried - self.bad_inputs_rejected - self._bad_known
        if sent:
            found.append(f"{sent} bad input(s) were not rejected before sending")
        if self.secret_leaks:
            found.append(f"the key leaked into: {', '.join(self.leak_places)}")
        if self.leaked_resources:
            found.append(f"{self.leaked_resources} connection(s)/fd(s)/task(s) leaked")
        if self.load_completed != self.load_requests:
            found.append(f"{self.load_requests - self.load_completed} load request(s) failed")
        return found

    def lines(self) -> list[str]:
        """One line per category, as printed at the end of the run."""
        return [
            f"faults: {self.faults_tried} tried ({len(self.fault_names)} kinds), "
            f"{self.faults_recovered} recovered, {self.faults_typed} raised as typed errors, "
            f"{self.faults_flagged} returned flagged partial, "
            f"{self.faults_untyped} untyped, {self.faults_known_bug} known bugs (xfail), "
            f"{self.faults_lost_data} lost data (must be 0)",
            f"bad inputs: {self.bad_inputs_tried} tried, "
            f"{self.bad_inputs_rejected} rejected before sending",
            f"secrets: {self.secret_scans} scans run, {self.secret_leaks} leaks (must be 0)",
            f"cancellation: {self.cancelled_streams} streams cancelled or closed early, "
            f"{self.leaked_resources} connections/fds/tasks leaked (must be 0)",
            f"load: {self.load_completed}/{self.load_requests} requests completed with the right "
            f"content in {self.load_seconds:.1f} s ({self.load_attempts} attempts); peak "
            f"{self.load_peak_connections} connections, RSS growth once warm "
            f"{self.load_rss_growth_mb:.1f} MB",
            f"real use: {self.real_use_tried} scenarios held ({len(self.real_use_kinds)} kinds: "
            f"{', '.join(sorted(self.real_use_kinds))})",
            f"known bugs: {self.known_bugs} runs of xfail-marked tests, counted apart above",
        ]


TALLY = Tally()
"""The session's figures (pytest runs this folder in one process)."""
