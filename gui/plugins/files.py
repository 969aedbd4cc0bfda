"""Reading plugin files: the one place a ``.wasm`` from the plugins dir (or anywhere) is read.

Every reader of a plugin file (loading, inspecting, hashing, copying into the
plugins dir, installing, publishing) goes through :func:`read_plugin_file` or
:func:`read_plugin_file_async`, so the same rules hold everywhere:

- only a regular file is read; a symlink is followed only to a regular
  file. A FIFO, a device (``/dev/zero``), a socket or a directory is
  refused without being opened for reading (``O_NONBLOCK`` keeps even the
  ``open`` of a FIFO from waiting for a writer);
- the size is checked against the cap (:data:`DEFAULT_MAX_BYTES`, or
  ``[plugins] max_file_mb`` in config.toml) before a byte is read, and the
  read stops one byte past the cap, so a file that grows while it is read
  is refused too;
- the async form reads on a daemon thread with a time-out, so a file on a
  stalled disk never holds the server loop or the process's exit.

A file that breaks a rule raises :class:`PluginFileError`, whose message names
the file and the rule; callers report it and skip the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import threading
from pathlib import Path

from gui.errors import PumpkinPatchError
from gui.paths import atomic_write_bytes

MIB = 1 << 20
# Well above the largest real plugin (an SDK-built Python plugin is ~35 MiB).
DEFAULT_MAX_BYTES = 128 * MIB
READ_TIMEOUT_S = 30.0

_max_bytes = DEFAULT_MAX_BYTES


class PluginFileError(PumpkinPatchError, OSError):
    """A plugin file that must not be read; the message names the file and why."""


def max_plugin_bytes() -> int:
    """The size cap of a plugin file in this process."""
    return _max_bytes


def set_max_plugin_bytes(limit: int) -> None:
    """Set the process's plugin file cap (from ``[plugins] max_file_mb``).

    Raises:
        ValueError: ``limit`` is not positive.
    """
    global _max_bytes
    if limit <= 0:
        raise ValueError(f"a plugin file cap must be positive, not {limit}")
    _max_bytes = limit


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def _size_text(size: int) -> str:
    return f"{size / MIB:,.1f} MiB" if size >= MIB else f"{size:,} bytes"


def _check_size(path: Path, size: int, limit: int) -> None:
    if size > limit:
        raise PluginFileError(
            f"{path}: {_size_text(size)} is over the plugin file cap of {_size_text(limit)}; "
            "remove the file, or raise max_file_mb in [plugins] of config.toml if it "
            "really is a plugin")


def read_plugin_file(path: Path, *, max_bytes: int | None = None) -> bytes:
    """Read a plugin file under the rules of this module (blocking).

    Args:
        path: The file.
        max_bytes: The cap; default :func:`max_plugin_bytes`.

    Raises:
        PluginFileError: not a regular file, or over the cap.
        OSError: it cannot be opened or read (missing, no permission).
    """
    limit = max_plugin_bytes() if max_bytes is None else max_bytes
    path = Path(path)
    info = os.stat(path)  # follows a symlink: its target is what counts
    if not stat.S_ISREG(info.st_mode):
        raise PluginFileError(f"{path}: {_kind(info.st_mode)}, not a regular file; only "
                              "regular .wasm files are read as plugins: remove it")
    _check_size(path, info.st_size, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        opened = os.fstat(fd)  # the file may have been swapped since the stat above
        if not stat.S_ISREG(opened.st_mode):
            raise PluginFileError(f"{path}: {_kind(opened.st_mode)}, not a regular file; "
                                  "remove it")
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(MIB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        _check_size(path, total, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


async def read_plugin_file_async(path: Path, *, max_bytes: int | None = None,
                                 timeout: float = READ_TIMEOUT_S) -> bytes:
    """:func:`read_plugin_file` off the loop, on a daemon thread, with a time-out.

    A daemon thread rather than the loop's executor: a read stuck in the
    kernel (a hung network disk) must not keep the process from exiting.

    Raises:
        PluginFileError: as :func:`read_plugin_file`, or the read took longer
            than ``timeout``.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[bytes] = loop.create_future()

    def settle(result: bytes | None, error: BaseException | None) -> None:
        if future.done():  # timed out meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result or b"")

    def work() -> None:
        try:
            data, error = read_plugin_file(path, max_bytes=max_bytes), None
        except BaseException as exc:  # handed to the awaiting task
            data, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(settle, data, error)

    threading.Thread(target=work, name=f"read {Path(path).name}", daemon=True).start()
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise PluginFileError(f"{path}: reading it took over {timeout:.0f} s; check the disk "
                              "it is on, or remove it") from None


def copy_plugin_file(source: Path, target: Path) -> bytes:
    """Copy a plugin file over ``target`` atomically; returns the bytes copied."""
    data = read_plugin_file(source)
    atomic_write_bytes(target, data)
    return data
