"""The HTML report as a person sees it: rendered by headless Chromium (Debian's
``chromium``), its DOM after the page's script ran (``--dump-dom``), read back as text."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.project import IN_CI

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "Chromium is not installed (Debian package chromium)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return subprocess.run([found, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Its text as read: whitespace collapsed, hidden parts (style, script) left out."""
        if self.tag in ("style", "script", "template"):
            return ""
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def all(self, tag: str = "", **attrs: str) -> list[Element]:
        """Every element below with ``tag`` whose attributes contain ``attrs`` (``class_``
        for class: one of its classes); not inside a ``<template>``, which is not shown."""
        found = []
        for child in self.children:
            if isinstance(child, str) or child.tag == "template":
                continue
            if (not tag or child.tag == tag) and all(
                    value in child.attrs.get(name.rstrip("_"), "").split()
                    if name == "class_" else child.attrs.get(name) == value
                    for name, value in attrs.items()):
                found.append(child)
            found += child.all(tag, **attrs)
        return found

    def one(self, tag: str = "", **attrs: str) -> Element:
        (found,) = self.all(tag, **attrs)
        return found


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.open[-1].children.append(element)
        if tag not in _VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for n in range(len(self.open) - 1, 0, -1):
            if self.open[n].tag == tag:
                del self.open[n:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def rendered(page: Path, profile: Path) -> Element:
    """The page's DOM once Chromium has run its script."""
    done = chromium("--dump-dom", page.as_uri(), profile=profile)
    assert done.stdout.strip(), done.stderr[-2000:]
    reader = _Reader()
    reader.feed(done.stdout)
    return reader.root


def screenshot(page: Path, shot: Path, profile: Path, size: str = "1400,1400") -> None:
    chromium(f"--window-size={size}", "--hide-scrollbars", f"--screenshot={shot}",
             page.as_uri(), profile=profile)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
