"""The Markdown importer in plain Python, on generated checklists: every form of checkbox
in every place becomes exactly one item, the YAML always collects, and what looks like a
checkbox but is no item is reported by line."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from pytest_deploycheck.imported import import_markdown
from pytest_deploycheck.importer import parse, phase_of
from pytest_deploycheck.yamlsrc import load

BOXES = ("[ ]", "[x]", "[X]", "☐", "☑", "✅", "⬜")
WORDS = ("deploy", "the", "release", "1", "2026-01-01", "yes", "null", "on", "#3", ":",
         "check", "'quoted'", '"double"', "${release}", "50%", "ünïcode", "a|b", "*bold*",
         "`code`", "SSL", "disk", "[link](http://x)", "sign-off", "Owner", "-", "0x1F")
HEADINGS = ("Before the release", "During the change window", "After go-live",
            "Rollback plan", "Notes", "Verification", "Preparation", "Hypercare", "Misc")


def words(rng: random.Random) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
    # words, not Markdown: no list marker or heading where a line starts
    return "word " + text if text.startswith(("- ", "-", "#")) or not text.strip(" -:#") \
        else text


class Generated:
    """A Markdown checklist and how many items a reader sees in it."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.items = 0
        self.code_boxes = 0
        out: list[str] = [f"# Checklist {seed}", ""]
        for _ in range(rng.randint(1, 8)):
            getattr(self, rng.choice(("heading", "bullets", "table", "inline", "steps",
                                      "prose", "code", "html")))(rng, out)
            out.append("")
        self.markdown = "\n".join(out) + "\n"

    def heading(self, rng: random.Random, out: list[str]) -> None:
        title = rng.choice(HEADINGS)
        if rng.random() < 0.3:
            out += [title, "-" * len(title)]
        else:
            out.append(f"{'#' * rng.randint(2, 4)} {title}")

    def bullets(self, rng: random.Random, out: list[str]) -> None:
        marker = rng.choice(("-", "*", "+", "1."))
        for n in range(rng.randint(1, 4)):
            lead = f"{n + 1}." if marker == "1." else marker
            out.append(f"{lead} {rng.choice(BOXES)} {words(rng)}")
            self.items += 1
            if rng.random() < 0.3:
                out.append(f"   - {rng.choice(BOXES)} {words(rng)}")
                self.items += 1

    def table(self, rng: random.Random, out: list[str]) -> None:
        columns = ["Item", "Done"]
        if rng.random() < 0.5:
            columns.insert(0, "#")
        if rng.random() < 0.5:
            columns.append("Who")
        rng.shuffle(columns)
        out += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for n in range(rng.randint(1, 4)):
            cells = {"#": str(n + 1), "Item": words(rng).replace("|", "/"),
                     "Done": rng.choice(BOXES), "Who": rng.choice(("Ops", "QA / Dev", ""))}
            out.append("| " + " | ".join(cells[c] for c in columns) + " |")
            self.items += 1

    def inline(self, rng: random.Random, out: list[str]) -> None:
        out.append(f"**{rng.choice(('Final Approval', 'Gate'))}**: {rng.choice(BOXES)} "
                   f"{words(rng)}")
        self.items += 1

    def steps(self, rng: random.Random, out: list[str]) -> None:
        out.append(rng.choice(HEADINGS).join(("## ", "")))
        out.append("")
        for n in range(rng.randint(1, 4)):
            out.append(f"{n + 1}. {words(rng)}")
            self.items += 1

    def prose(self, rng: random.Random, out: list[str]) -> None:
        out.append("Some words " + words(rng).replace("[", "(") + " and no box.")

    def html(self, rng: random.Random, out: list[str]) -> None:
        count = rng.randint(1, 3)
        out.append("<ul>" + "".join(
            f"<li><input type=\"checkbox\" disabled> {words(rng).replace('<', '')}</li>"
            for _ in range(count)) + "</ul>")
        self.items += count

    def code(self, rng: random.Random, out: list[str]) -> None:
        out += ["```", f"- {rng.choice(BOXES)} an example", "```"]
        self.code_boxes += 1


@pytest.mark.parametrize("seed", range(300))
def test_every_generated_checklist_imports_one_item_per_checkbox_and_collects(
    seed: int
) -> None:
    made = Generated(seed)
    found = import_markdown(made.markdown, f"c-{seed}", "gen.md")  # proved to collect
    assert found.items == made.items, made.markdown
    assert len(found.not_imported) == made.code_boxes, (found.not_imported, made.markdown)
    if made.items:
        data = load(found.yaml, "gen.yaml").data
        ids = [i["id"] for s in data["sections"] for i in s["items"]]
        assert len(ids) == len(set(ids)) == made.items
        assert all(isinstance(i, str) and i for i in ids)
        again = import_markdown(made.markdown, f"c-{seed}", "gen.md")
        assert again.yaml == found.yaml  # stable: a re-import diffs cleanly


@pytest.mark.parametrize(("heading", "phase"), [
    ("Pre-deployment checks", "predeploy"), ("Before go-live", "predeploy"),
    ("Readiness review", "predeploy"), ("Preparation", "predeploy"),
    ("During the change window", "deploy"), ("Cut-over", "deploy"), ("Go-live", "deploy"),
    ("Release day", "deploy"), ("Execution", "deploy"),
    ("After go-live", "postdeploy"), ("Post-deployment verification", "postdeploy"),
    ("Smoke tests", "postdeploy"), ("Hypercare", "postdeploy"),
    ("Monitoring (first 24 hours)", "postdeploy"), ("Verification Steps", "postdeploy"),
    ("Rollback", "rollback"), ("Back-out plan", "rollback"), ("Contingency", "rollback"),
    ("If it goes wrong", "rollback"), ("Notes", None), ("Team", None),
])
def test_the_phase_vocabulary(heading: str, phase: str | None) -> None:
    assert phase_of(heading) == phase


def test_a_title_that_yaml_would_misread_stays_a_string() -> None:
    parsed = parse("## Before\n- [ ] 1\n- [ ] yes\n- [ ] 2026-01-01\n- [ ] ${release} out\n")
    assert [i.title for i in parsed.sections[0].items] == ["1", "yes", "2026-01-01",
                                                           "${release} out"]
    found = import_markdown("## Before\n- [ ] 1\n- [ ] yes\n- [ ] ${release} out\n", "x", "x")
    data = load(found.yaml, "x.yaml").data
    items = data["sections"][0]["items"]
    assert [i["id"] for i in items] == ["item-1", "yes", "release-out"]
    assert [i["title"] for i in items] == ["1", "yes", "$${release} out"]


CORPUS = Path(__file__).resolve().parents[1] / "data" / "import" / "corpus"
# what a reader expects of each corpus file: its sections' phases, in order
READER = {
    "production-ready.md": ["predeploy"] * 5,
    "prodcheck.md": ["predeploy"] * 4,
    "numbered-headings.md": ["predeploy"] * 3,
    "go-live-template.md": ["predeploy", "deploy", "postdeploy", "predeploy"],
    "bold-labels.md": ["predeploy", "postdeploy", "postdeploy", "rollback"],
    "staged.md": ["predeploy", "deploy", "deploy", "postdeploy", "rollback"],
    "emoji-headings.md": ["predeploy", "predeploy", "deploy", "deploy", "postdeploy"],
    "issue-template.md": ["predeploy", "deploy", "postdeploy"],
    "wiki-export.md": ["predeploy", "deploy", "postdeploy"],
    "setext-runbook.md": ["predeploy", "deploy", "postdeploy", "rollback", "predeploy"],
}
_BOXED = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]|[☐☑⬜✅])|\|\s*[☐☑⬜✅]\s*\||"
                    r":\s*(?:\[[ xX]\]|[☐☑⬜✅])")


def reader_count(markdown: str) -> int:
    """The items a person sees, counted without the importer: checkbox lines outside code,
    HTML checkboxes, numbered steps, sign lines and the rows of sign-off tables."""
    count, fenced, signing = 0, False, False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.startswith("#"):
            signing = False
            continue
        if line.startswith("| Role") and "Signature" in line:
            signing = True
            continue
        if signing and line.startswith("| ") and not line.startswith("|--"):
            count += 1
            continue
        count += line.count('type="checkbox"')
        if _BOXED.search(line) or "___" in line or re.match(r"^\d+\. [A-Z]", line):
            count += 1
    return count


def test_the_corpus_holds_ten_files_with_their_sources() -> None:
    files = sorted(p.name for p in CORPUS.glob("*.md") if p.name != "SOURCES.md")
    assert files == sorted(READER)
    sources = (CORPUS / "SOURCES.md").read_text()
    assert all(f"| {name} |" in sources for name in files)


@pytest.mark.parametrize("name", sorted(READER))
def test_every_corpus_checklist_imports_every_checkbox_with_the_phases_a_reader_expects(
    name: str
) -> None:
    markdown = (CORPUS / name).read_text()
    found = import_markdown(markdown, slug_of(name), name)  # proved to collect
    assert found.items == reader_count(markdown)
    assert [phase for _, phase, _ in found.phases] == READER[name]
    # a checkbox in a code block is no item, and is said to be none
    assert [line for _, line in found.not_imported] == [
        line.strip() for block in re.findall(r"```\n(.*?)```", markdown, re.S)
        for line in block.splitlines() if _BOXED.search(line)]


def slug_of(name: str) -> str:
    return name.removesuffix(".md")
