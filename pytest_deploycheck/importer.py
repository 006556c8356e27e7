"""``deploycheck import FILE.md``: a Markdown checklist as checklist YAML.

The Markdown is read by a CommonMark parser (markdown-it-py, with tables), so headings
(``#`` and underlined), nested lists, tables and HTML are what a Markdown renderer sees.
What becomes an item, with the Markdown's own wording as its title:

- a list item that starts with a checkbox — ``[ ]``, ``[x]``, ☐ ☑ ☒ ✅ ⬜ — in any list, at
  any depth (a sub-item keeps its parent's text as its description); a checkbox later in
  a line (``**Final Approval**: [ ] Ready``); ``<input type="checkbox">`` from a wiki export;
- a table row with a checkbox in any column; its title is the text column (a ``#`` or
  number column is not one), its role the Who / Owner / Responsible column; a row whose
  only text is bold (``| **Preparation** | | |``) starts a section;
- numbered steps without checkboxes: an ordered section, a runbook;
- sign-offs: the rows of a ``| Role | Name | Signature | Date |`` table, ``Role: ____
  Date: ____`` lines, and the items under a Sign-off / Approval heading's sub-headings.

Headings become sections. The phase comes from the outermost heading whose words name one
(:func:`phase_of`), else ``--phase-map``, else predeploy — and the summary says which.
Every item is manual (``attest``), by the role the text names (else ``release-manager``);
where its wording names a probe, :mod:`.proposals` proposes the check, with the text's
numbers. A line that looks like a checkbox but is no item is reported, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from .proposals import Proposal, propose

DEFAULT_ROLE = "release-manager"
DEFAULT_PHASE = "predeploy"
_BOX = r"\[[ xX]\]|☐|☑|☒|✅|✔️?|⬜|🔲"
_LEADING_BOX = re.compile(rf"^\s*(?:{_BOX})\s*", re.S)
_ANY_BOX = re.compile(rf"(?:^|\s|\||:)(?:{_BOX})(?:\s|$|\|)|<input[^>]*checkbox", re.I)
_HTML_BOX = re.compile(r"<input[^>]*type=[\"']?checkbox[\"']?[^>]*>\s*([^<\n]+)", re.I)
_NUMBER_CELL = re.compile(r"^#?\s*\d+(?:\.\d+)*[.)]?$")
_SIGN_WORDS = re.compile(r"(?:\s*(?:[-\u2014\u2013:,]|\bname\b|\bsignature\b|\bsigned\b|\bdate\b|"
                         r"\bapproved by\b|\bby\b)\s*)+$", re.I)
_SIGNOFF_HEADING = re.compile(r"sign[- ]?offs?|approvals?|signatures?", re.I)
WHO = ("who", "owner", "owners", "responsible", "assignee", "assigned to", "role",
       "sign-off", "signoff", "approver", "approved by", "by", "team", "accountable")
TITLE_HEADERS = ("item", "task", "check", "step", "description", "action", "activity",
                 "what", "requirement", "criteria", "control", "checklist item")

# words that name a phase, in the order they are tried on one heading: those that say
# when (explicit) before those that name a topic usually done then (topical)
EXPLICIT: tuple[tuple[str, str], ...] = (
    ("rollback", r"roll[- ]?back|back[- ]?out|\brevert|contingency|if (it|something|things) "
                 r"goes? wrong|\babort"),
    ("predeploy", r"\bpre[- ]?(deploy|release|launch|go[- ]?live|migration|flight|production|"
                  r"cut[- ]?over|change|implementation|install)"),
    ("postdeploy", r"\bpost[- ]?(deploy|release|launch|go[- ]?live|migration|cut[- ]?over|"
                   r"change|implementation|install)"),
    ("predeploy", r"\bbefore\b|preparation|\bprepare|readiness|\bready\b|pre[- ]?check"),
    ("postdeploy", r"\bafter\b|hypercare|follow[- ]?up|first \d+ (hours|days)"),
    ("deploy", r"\bdeploy(ment)?\s+(phase|stage|window|day)\b|\bduring\b|change window|"
               r"cut[- ]?over|go[- ]?live|release day"),
)
TOPICAL: tuple[tuple[str, str], ...] = (
    ("predeploy", r"planning|prerequisite"),
    ("postdeploy", r"verification|\bverify|smoke|monitoring|validation|clean[- ]?up"),
    ("deploy", r"execution|deploy|launch|roll[- ]?out|implementation|migration|installation"),
)


def _named(text: str, words: tuple[tuple[str, str], ...]) -> str | None:
    return next((phase for phase, found in words if re.search(found, text, re.I)), None)


def phase_of(text: str) -> str | None:
    """The phase a heading's words name, or None."""
    return _named(text, EXPLICIT) or _named(text, TOPICAL)


def slug(text: str, limit: int = 48) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(words) > limit:
        words = words[:limit].rsplit("-", 1)[0]
    if not words or words[0].isdigit():
        words = f"item-{words}".strip("-")
    return words


def clean(text: str) -> str:
    """Inline Markdown as plain words: emphasis, code and links unwrapped."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|_|~~|`)(.+?)\1", r"\2", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\s+", " ", text).strip(" \t-—:")


@dataclass
class ImportedItem:
    title: str
    line: int
    roles: tuple[str, ...] = ()  # none named: DEFAULT_ROLE
    description: str = ""
    proposal: Proposal | None = None
    owner: str = ""  # the Who / Owner column, as written


@dataclass
class ImportedSection:
    title: str
    phase: str
    phase_from: str  # the heading that named the phase ("" when it is the default)
    ordered: bool = False
    items: list[ImportedItem] = field(default_factory=list)


@dataclass
class Parsed:
    title: str
    sections: list[ImportedSection]
    not_imported: list[tuple[int, str]]  # (line, text): looked like a checkbox, no item


def signer_of(text: str) -> str | None:
    """The role a ``Role: ____ Date: ____`` line names ("" when only blanks do), or None
    for a line with no blanks to sign on."""
    if "___" not in text:
        return None
    return clean(_SIGN_WORDS.sub("", text.split("___", 1)[0]))


def _roles(cell: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(slug(r) for r in re.split(r"\s*(?:/|,|&|\band\b)\s*",
                                                          clean(cell)) if r.strip()))


class _Reader:
    """Walks markdown-it's tokens, keeping the headings above and the current section."""

    def __init__(self, phase_map: Mapping[str, str]) -> None:
        self.phase_map = {k.strip().lower(): v for k, v in phase_map.items()}
        self.title = ""
        self.headings: list[tuple[int, str]] = []
        self.sections: list[ImportedSection] = []
        self.current: ImportedSection | None = None
        self.lines: set[int] = set()  # the lines items came from

    def heading(self, level: int, text: str) -> None:
        name = re.sub(r"^\d+(\.\d+)*[.)]?\s+", "", clean(text))
        if level == 1 and not self.title and not self.sections:
            self.title = name
            return
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, name))
        self.current = None

    def section(self, name: str | None = None) -> ImportedSection:
        if name is not None or self.current is None:
            title = name or (self.headings[-1][1] if self.headings else
                             (self.title or "Checklist"))
            self.current = ImportedSection(title, *self.phase())
            self.sections.append(self.current)
        return self.current

    def phase(self) -> tuple[str, str]:
        """The phase of a section here, and what named it: ``--phase-map``, then the
        outermost heading whose words say when, then the checklist's title ("Production
        Readiness": all of it before the deploy), then a heading's topic ("Monitoring")."""
        headings = [h for _, h in self.headings]
        for heading in headings:
            if heading.lower() in self.phase_map:
                return self.phase_map[heading.lower()], heading
        for heading in headings:
            if found := _named(heading, EXPLICIT):
                return found, heading
        found = _named(self.title, EXPLICIT)  # "Go-Live Checklist" says no phase of its own
        if found and found != "deploy":
            return found, f"the title {self.title}"
        for heading in headings:
            if found := _named(heading, TOPICAL):
                return found, heading
        return DEFAULT_PHASE, ""

    def signing_role(self) -> str | None:
        """Under a Sign-off heading's sub-heading: that sub-heading, as the role."""
        for n, (_, heading) in enumerate(self.headings):
            if _SIGNOFF_HEADING.search(heading):
                return slug(self.headings[-1][1]) if n < len(self.headings) - 1 else ""
        return None

    def add(self, title: str, line: int, *, roles: tuple[str, ...] = (),
            description: str = "", ordered: bool = False, signed: bool = False,
            owner: str = "") -> None:
        signer = signer_of(title)
        title = clean(title)
        if signer is not None:  # Role: ____ Date: ____
            role = signer or (self.headings[-1][1] if self.headings else DEFAULT_ROLE)
            title, roles, signed = f"{role} sign-off", _roles(role), True
        if not title:
            return
        target = self.section()
        if ordered and not target.items:
            target.ordered = True
        signing = self.signing_role()
        if not roles and signing:
            roles = (signing,)
        elif not roles and signing == "" and len(title.split()) <= 4 and not signed:
            title, roles, signed = f"{title} sign-off", _roles(title), True
        target.items.append(ImportedItem(title, line, roles, description,
                                         None if signed else propose(title), owner))
        self.lines.add(line)

    def inline_line(self, text: str, line: int, *, description: str = "") -> None:
        """A paragraph's line outside a list: an item if it holds a checkbox or blanks."""
        if _LEADING_BOX.match(text) or re.search(_BOX, text):
            self.add(re.sub(rf"\s*(?:{_BOX})\s*", " ", text), line, description=description)
        elif signer_of(text) is not None:
            self.add(text, line)

    def table(self, rows: list[tuple[int, list[str]]]) -> None:
        if len(rows) < 2:
            return
        header = [clean(c).lower() for c in rows[0][1]]
        body = rows[1:]
        self.lines.add(rows[0][0])  # the header row: no item, whatever it holds
        width = max(len(cells) for _, cells in rows)
        columns = [[cells[n] if n < len(cells) else "" for _, cells in body]
                   for n in range(width)]
        boxed = {n for n, cells in enumerate(columns)
                 if any(re.fullmatch(rf"\s*(?:{_BOX})?\s*", c) and re.search(_BOX, c)
                        for c in cells)}
        numbers = {n for n, cells in enumerate(columns)
                   if all(_NUMBER_CELL.match(c.strip()) for c in cells if c.strip())}
        who = next((n for n, h in enumerate(header) if h in WHO and n not in boxed), None)
        candidates = [n for n in range(width) if n not in boxed and n != who]
        named = [n for n in candidates if n < len(header) and header[n] in TITLE_HEADERS]
        worded = [n for n in candidates if n not in numbers]  # a # column is no title
        title = next(iter(named or worded or candidates), None)
        signoff = "role" in header and ("signature" in header or "date" in header) and not boxed
        for line, written in body:
            cells = [*written, *[""] * (width - len(written))]
            texts = [clean(c) for c in cells]
            first = next((c for c in cells if c.strip()), "")
            if first.strip().startswith(("**", "__")) and sum(1 for t in texts if t) == 1:
                self.section(clean(first))  # a bold row: a section of its own
                continue
            if signoff and texts[0]:
                self.add(f"{texts[0]} sign-off", line, roles=_roles(texts[0]), signed=True)
            elif title is not None and any(re.search(_BOX, cells[n]) for n in boxed):
                owner = texts[who] if who is not None else ""
                self.add(cells[title], line, roles=_roles(owner) if owner else (), owner=owner)


def _front_matter(text: str) -> str:
    """``text`` with YAML front matter (``---`` … ``---``) blanked, lines kept."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((n for n in range(1, len(lines)) if lines[n].strip() in ("---", "...")),
                   None)
        if end is not None:
            return "\n" * (end + 1) + "\n".join(lines[end + 1:])
    return text


def parse(text: str, phase_map: Mapping[str, str] | None = None) -> Parsed:
    """The checklist's title, its sections, and the checkbox lines that became no item."""
    text = _front_matter(text)
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(text)
    reader = _Reader(phase_map or {})
    lists: list[bool] = []  # ordered?, per open list
    items: list[list[str]] = []  # per open list item: [its text] once read
    rows: list[tuple[int, list[str]]] = []
    in_table = False
    for n, token in enumerate(tokens):
        kind, line = token.type, (token.map[0] + 1 if token.map else 0)
        if kind == "heading_open":
            reader.heading(int(token.tag[1:]), tokens[n + 1].content)
            reader.lines.update(range(line, (token.map[1] if token.map else line) + 1))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(kind == "ordered_list_open")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            items.append([])
        elif kind == "list_item_close":
            items.pop()
        elif kind == "table_open":
            in_table, rows = True, []
        elif kind == "table_close":
            in_table = False
            reader.table(rows)
        elif kind == "tr_open":
            rows.append((line, []))
        elif kind == "inline" and in_table:
            rows[-1][1].append(token.content)
        elif kind in ("html_block", "html_inline") or (kind == "inline" and "<input" in
                                                        token.content):
            for found in _HTML_BOX.finditer(token.content):
                at = line + token.content[:found.start()].count("\n")
                reader.add(found.group(1), at)
        elif kind == "inline" and tokens[n - 1].type == "paragraph_open":
            _paragraph(reader, token.content, line, lists, items)
    lines = text.splitlines()
    missed = [(n, lines[n - 1].strip()) for n in range(1, len(lines) + 1)
              if _ANY_BOX.search(lines[n - 1]) and n not in reader.lines]
    return Parsed(reader.title or "Imported checklist",
                  [s for s in reader.sections if s.items], missed)


def _paragraph(reader: _Reader, content: str, line: int, lists: list[bool],
               items: list[list[str]]) -> None:
    """A paragraph: a list item's first one is the item's line; others are read line by
    line for checkboxes."""
    if items and not items[-1]:
        first = content.replace("\n", " ")
        items[-1].append(first)
        parent = next((clean(_LEADING_BOX.sub("", t[0])) for t in reversed(items[:-1]) if t),
                      "")
        if _LEADING_BOX.match(first):
            reader.add(_LEADING_BOX.sub("", first), line, description=parent,
                       ordered=lists[-1])
        elif lists and lists[-1] and len(lists) == 1:  # numbered steps: a runbook
            reader.add(first, line, ordered=True)
        else:
            reader.inline_line(first, line, description=parent)
        return
    for offset, text in enumerate(content.split("\n")):
        reader.inline_line(text, line + offset)
