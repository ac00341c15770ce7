"""Resource accounting through /proc (Linux): file descriptors and TCP sockets by side.

Connections are counted from the kernel's view, /proc/net/tcp joined with this process's fds,
on both sides of the loopback: the client's sockets to the emulator's port, and the sockets the
emulator accepted (the emulator runs in this process).
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

_ESTABLISHED = "01"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _socket_inodes() -> set[int]:
    inodes: set[int] = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


@dataclass(frozen=True)
class Sockets:
    """This process's TCP sockets on an emulator port, by side."""

    client: int
    """Client-side sockets to the port (any state) still held by an fd of this process."""
    client_established: int
    server: int
    """Server-side (accepted) sockets of the emulator still open."""


def sockets_on(port: int) -> Sockets:
    """Counts our sockets connected to or accepted on `port`, from /proc/net/tcp{,6}."""
    mine = _socket_inodes()
    client = established = server = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            local_port = int(cols[1].rsplit(":", 1)[1], 16)
            remote_port = int(cols[2].rsplit(":", 1)[1], 16)
            inode = int(cols[9])
            if inode == 0 or inode not in mine:
                continue
            if remote_port == port:
                client += 1
                established += cols[3] == _ESTABLISHED
            elif local_port == port and remote_port != 0:
                server += 1
    return Sockets(client, established, server)


def wait_until(predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
    """Polls `predicate` every 20 ms until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


async def settle() -> None:
    """Lets the loop finish what closing left to it.

    A framework may leave an async generator suspended; the loop finalizes it with a task when
    it is collected, which for a generator caught in a reference cycle is whenever the cyclic GC
    runs, and finalizing one can free the next. So: collect, turn the loop, repeat until no task
    but the caller's is left. A task still pending after 50 rounds is a real leak.
    """
    for _ in range(50):
        gc.collect()
        await asyncio.sleep(0)
        if asyncio.all_tasks() == {asyncio.current_task()}:
            return
