from __future__ import annotations

import pytest

from pytest_deploycheck.units import format_size, parse_duration, parse_size


@pytest.mark.parametrize(("text", "seconds"), [
    ("500ms", 0.5), ("10s", 10.0), ("2m", 120.0), ("1h", 3600.0), ("1d", 86400.0),
    ("1m30s", 90.0), (3, 3.0), (0.25, 0.25),
])
def test_durations_read_as_seconds(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "size"), [
    ("20GB", 20 * 10**9), ("512MiB", 512 * 2**20), ("1TiB", 2**40), ("10 kB", 10_000),
    ("1.5GiB", int(1.5 * 2**30)), (1024, 1024), ("100B", 100),
])
def test_sizes_read_as_bytes(text: str | int, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["fast", "10", "-1s", True, "5 minutes", ""])
def test_bad_durations_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="a duration such as 500ms"):
        parse_duration(bad)


@pytest.mark.parametrize("bad", ["lots", "20G", "-5", True, "5 XB"])
def test_bad_sizes_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="a size such as 512MiB"):
        parse_size(bad)


def test_sizes_are_shown_in_binary_units() -> None:
    assert format_size(512) == "512 B"
    assert format_size(21.4 * 2**30) == "21.4 GiB"
