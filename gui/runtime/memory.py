"""How much linear memory each plugin instance holds, read off the process's memory map.

wasmtime-py gives no way to ask a component instance for its memory (a
component's core memories are not exports, and the C API has no usage
call), yet admins want to see which plugin is growing. wasmtime reserves
address space for every linear memory (4 GiB plus guard pages on 64-bit
hosts) and makes the memory's current size read-write at the start of that
reservation; ``memory.grow`` extends the read-write part in place. On Linux
``/proc/self/maps`` shows exactly that, so:

- a linear memory is a run of adjacent read-write mappings (anonymous, or
  wasmtime's copy-on-write image of the data segments) followed by an
  inaccessible mapping reaching at least :data:`RESERVATION` bytes past the
  run's start; its base is the run's start and its size the run's length;
- the memories of an instance are those whose base appears while it is
  instantiated (:func:`bases` before and after; instantiation happens on the
  one runtime thread, so no other instance appears meanwhile).

Where there is no ``/proc/self/maps`` (macOS, Windows) sizes are unknown
(``None``), never guessed. Reading the map is a kernel page, not disk, and
costs ~1 ms for a few thousand mappings.

:func:`process_memory` reads the whole process's figures (resident,
proportional, anonymous) the same way; the memory bench and the server
page's Memory chart both use it.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MAPS = "/proc/self/maps"
# Far more than glibc's 64 MiB malloc arenas (the other read-write then
# inaccessible pattern in a process), far less than wasmtime's 4 GiB.
RESERVATION = 1 << 30
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def linear_memories(maps_text: str | None = None) -> dict[int, int] | None:
    """Every linear memory in the process: base address -> current size in bytes.

    Args:
        maps_text: The text of a ``/proc/<pid>/maps`` file; default: this process's.

    Returns:
        ``None`` where the memory map cannot be read.
    """
    if maps_text is None:
        try:
            with open(MAPS, encoding="ascii", errors="replace") as maps:
                maps_text = maps.read()
        except OSError:
            return None
    found: dict[int, int] = {}
    run_start = run_end = -1
    for line in maps_text.splitlines():
        span, _, rest = line.partition(" ")
        low, _, high = span.partition("-")
        try:
            start, end = int(low, 16), int(high, 16)
        except ValueError:
            continue
        perms = rest[:4]
        if perms.startswith("rw"):
            if start != run_end:
                run_start = start
            run_end = end
        elif perms.startswith("---") and start == run_end and end - run_start >= RESERVATION:
            found[run_start] = run_end - run_start
            run_start = run_end = -1
        else:
            run_start = run_end = -1
    return found


def bases() -> frozenset[int]:
    """The base addresses of the process's linear memories now (empty if unknown)."""
    return frozenset(linear_memories() or ())


def size_of(memory_bases: Iterable[int], memories: dict[int, int] | None) -> int | None:
    """Total current size of the given memories, from one :func:`linear_memories` read."""
    if memories is None:
        return None
    return sum(memories.get(base, 0) for base in memory_bases)


@dataclass(frozen=True)
class ProcessMemory:
    """The whole process's memory, in bytes, as the kernel counts it.

    Attributes:
        rss: Resident set size: every page of the process in RAM.
        pss: Proportional set size: shared pages divided among the processes
            mapping them (what the process really costs the machine).
        anonymous: Resident pages backed by no file (heaps, written copies).
        file_backed: Resident pages of mapped files (libraries, compiled
            plugins from the cache, unwritten memory images); ``rss - anonymous``.
    """

    rss: int
    pss: int
    anonymous: int

    @property
    def file_backed(self) -> int:
        return self.rss - self.anonymous


def process_memory(pid: int | str = "self") -> ProcessMemory | None:
    """Read ``/proc/<pid>/smaps_rollup`` (one kernel page; ~1 ms); ``None`` where absent.

    Where the rollup is missing (kernels before 4.14) RSS comes from
    ``statm`` and PSS and anonymous memory are reported equal to it.
    """
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                name, _, rest = line.partition(":")
                value = rest.split()
                if len(value) == 2 and value[1] == "kB":
                    fields[name] = int(value[0]) * 1024
    except (OSError, ValueError):
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
                rss = int(statm.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            return None
        return ProcessMemory(rss, rss, rss)
    if "Rss" not in fields:
        return None
    return ProcessMemory(fields["Rss"], fields.get("Pss", fields["Rss"]),
                         fields.get("Anonymous", fields["Rss"]))


def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # glibc; musl has none
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def release_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc ``malloc_trim``).

    glibc keeps freed memory in its arenas for reuse, so after a burst
    (linking, instantiating, removing a plugin) the app looks as big as at
    its peak. Trimming takes a few milliseconds for a few hundred MB of
    heap: call it off the event loop, after bursts, not per call.
    Elsewhere it does nothing.
    """
    if _TRIM is not None:
        _TRIM(0)


M_MMAP_THRESHOLD = -3  # glibc mallopt parameter
MMAP_THRESHOLD = 1024 * 1024


def return_large_blocks_at_once() -> None:
    """Make glibc hand every block of 1 MiB or more straight back when it is freed.

    glibc serves large blocks with mmap, but after the first such block is
    freed it raises that threshold (up to 32 MiB) and serves later ones from
    its heap, where freed space stays. A .wasm read for an install is ~31 MiB:
    each install / uninstall cycle left one more such hole in the heap that
    even ``malloc_trim`` did not give back (+30 MiB steps, 565 MB over ten
    cycles with the other leaks). A fixed threshold keeps them mmapped.
    Elsewhere (not glibc) this does nothing. Idempotent.
    """
    if _TRIM is None:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
