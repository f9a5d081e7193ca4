"""The memory of a process tree (the Playwright driver and the browser under it).

Proportional set size (PSS) per process, so pages that Chromium's processes share are
counted once: with psutil when it is installed, else from ``/proc`` (Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import psutil
except ImportError:  # pragma: no cover - psutil is optional
    psutil = None

_PROC = Path("/proc")


def children(pid: int) -> list[int]:
    """The direct children of `pid` (none when it is gone)."""
    if psutil is not None:
        try:
            return [child.pid for child in psutil.Process(pid).children()]
        except psutil.Error:
            return []
    found = []
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and _parent(int(entry.name)) == pid:
            found.append(int(entry.name))
    return found


def _parent(pid: int) -> int | None:
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields follow the last ')'.
    return int(stat.rsplit(")", 1)[1].split()[1])


def tree(pids: set[int]) -> set[int]:
    """`pids` and all their descendants that are still running."""
    seen: set[int] = set()
    todo = [pid for pid in pids if alive(pid)]
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(children(pid))
    return seen


def alive(pid: int) -> bool:
    """True when `pid` runs (a zombie, dead but not yet reaped, does not)."""
    if psutil is not None:
        try:
            return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
        except psutil.Error:
            return False
    try:
        state = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def process_memory(pid: int) -> int:
    """Bytes of memory of one process: its PSS, else its RSS; 0 when it is gone."""
    if psutil is not None:
        try:
            info = psutil.Process(pid).memory_full_info()
        except psutil.Error:
            return 0
        return int(getattr(info, "pss", info.rss))
    try:
        rollup = (_PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        rollup = ""
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    try:
        pages = int((_PROC / str(pid) / "statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def tree_memory(pids: set[int]) -> int:
    """Bytes of memory of `pids` and their descendants."""
    return sum(process_memory(pid) for pid in tree(pids))
