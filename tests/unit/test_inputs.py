"""The files a run reads: regular files only, bounded, UTF-8, and a reason when refused."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pytest_deploycheck import inputs
from pytest_deploycheck.errors import ChecklistError
from pytest_deploycheck.yamlsrc import load


def refused(path: Path | str, **limit: int) -> inputs.Unreadable:
    started = time.monotonic()
    with pytest.raises(inputs.Unreadable) as caught:
        inputs.read_text(path, **limit)
    assert time.monotonic() - started < 2  # never reads a device or waits for a writer
    return caught.value


def test_devices_pipes_and_directories_are_refused_before_reading(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    assert str(refused("/dev/zero")) == "not a regular file (a character device)"
    assert str(refused(tmp_path / "fifo")) == "not a regular file (a named pipe)"
    assert str(refused(tmp_path)) == "not a regular file (a directory)"
    (tmp_path / "link").symlink_to("/dev/zero")
    assert str(refused(tmp_path / "link")) == "not a regular file (a character device)"
    assert str(refused(tmp_path / "gone")) == "No such file or directory"


def test_a_file_larger_than_the_bound_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 2049)
    assert str(refused(tmp_path / "big", limit=2048)) == (
        "larger than 2048 bytes, the most a run reads")
    assert inputs.read_text(tmp_path / "big", limit=4096) == "x" * 2049


def test_text_that_is_not_utf8_names_the_byte_and_its_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "latin1").write_bytes("ä: 1\nnäme: caf\xe9 x\n".encode("latin-1"))
    found = refused(tmp_path / "latin1")
    assert (found.reason, found.line, found.column) == ("not UTF-8 text: byte 0xe4", 1, 1)
    (tmp_path / "mixed").write_bytes("ä: 1\nnäme: café\n".encode() + b"x: caf\xe9\n")
    found = refused(tmp_path / "mixed")
    assert str(found) == "not UTF-8 text: byte 0xe9 at line 3, column 7"


def test_a_control_character_is_located_in_characters_not_bytes() -> None:
    text = "title: ünïcödé\n" * 3 + "x: a\x00b\n"
    with pytest.raises(ChecklistError) as caught:
        load(text, "c.yaml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (4, 5)
    assert problem.message == "invalid YAML: character U+0000 is not allowed"
