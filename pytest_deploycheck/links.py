"""An item's links — its runbook, the ticket, the pen-test report — from what the
checklist says: ``{title: Runbook, url: https://…}``, or ``{ticket: OPS-12}`` filled into
the project config's link template of that name
(``link_templates: {ticket: https://jira.example.com/browse/{}}``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from .model import Link
from .problems import suggest

_URL = re.compile(r"^(https?://|mailto:)\S+$")


class LinkMistake(ValueError):
    """What is wrong with a link as written, ``at`` which key below it."""

    def __init__(self, message: str, hint: str, at: tuple[str, ...] = (), key: bool = False):
        super().__init__(message)
        self.message, self.hint, self.at, self.key = message, hint, at, key


def link_of(written: Mapping[str, str], templates: Mapping[str, str]) -> Link:
    """The link ``written`` says (LinkMistake when it says it wrongly)."""
    if set(written) == {"title", "url"}:
        if _URL.match(written["url"]) is None:
            raise LinkMistake(f"not a link: {written['url']!r}",
                              "an http(s):// or mailto: address", ("url",))
        return Link(written["title"], written["url"])
    if len(written) != 1 or set(written) & {"title", "url"}:
        raise LinkMistake("a link is {title: …, url: …}, or a link template and its value",
                          "such as {ticket: OPS-12}")
    ((name, value),) = written.items()
    if name not in templates:
        raise LinkMistake(f"unknown link template {name!r}", suggest(name, list(templates)) or (
            "known link templates: " + ", ".join(templates) if templates else
            f"declare it in the project config: link_templates: {{{name}: https://…/{{}}}}"),
            (name,), key=True)
    return Link(value, templates[name].replace("{}", quote(value, safe="")))
