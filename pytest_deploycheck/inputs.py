"""The files a run reads — checklists, the project config, allowed_signers, attestation
files, the reports and texts checks read: regular files only, no larger than a bound,
UTF-8 where text is expected; a file refused says why, where that is a position too.

A device (``/dev/zero``), a FIFO or a directory where a file is expected, or a file larger
than its bound, is refused before it is read: it would hang or exhaust memory otherwise.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import TextIO

MAX_BYTES = 32 * 1024 * 1024  # a checklist, a config, allowed_signers, an attestation file
MAX_REPORT = 256 * 1024 * 1024  # a test or coverage report a check reads

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISSOCK, "a socket"))


class Unreadable(OSError):
    """A file that cannot be used: ``reason`` says why in a few words (without the path),
    ``line`` and ``column`` where in the file, for text that is not UTF-8."""

    def __init__(self, reason: str, line: int = 0, column: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.reason} at line {self.line}, column {self.column}" if self.line else (
            self.reason)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def open_regular(path: Path | str) -> io.BufferedReader:
    """The regular file at ``path``, open for reading; Unreadable for anything else."""
    try:  # O_NONBLOCK: opening a FIFO must not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise Unreadable(_reason(exc)) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = next((name for test, name in _KINDS if test(mode)), "not a file")
        raise Unreadable(f"not a regular file ({kind})")
    return os.fdopen(fd, "rb")


def open_text(path: Path | str) -> TextIO:
    """The regular file at ``path`` as text to stream (a log): undecodable bytes replaced."""
    return io.TextIOWrapper(open_regular(path), encoding="utf-8", errors="replace")


def read_bytes(path: Path | str, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file at ``path``; Unreadable for anything else (a device,
    a pipe, a directory, a file larger than ``limit``), or when it cannot be opened."""
    with open_regular(path) as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise Unreadable(_reason(exc)) from None
    if len(data) > limit:
        raise Unreadable(f"larger than {_size(limit)}, the most a run reads")
    return data


def position(data: bytes, offset: int) -> tuple[int, int]:
    """The line and column (in characters, both from 1) of the byte at ``offset``."""
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def decode(data: bytes) -> str:
    """``data`` as UTF-8 text; Unreadable naming the first byte that is not, and where."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = position(data, exc.start)
        raise Unreadable(f"not UTF-8 text: byte 0x{data[exc.start]:02x}", line,
                         column) from None


def read_text(path: Path | str, *, limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of the regular file at ``path`` (see :func:`read_bytes`)."""
    return decode(read_bytes(path, limit=limit))
