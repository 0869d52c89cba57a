"""The literal-number scan: no reported number typed by hand in the prose.

Every decimal number or percentage in a notebook's Markdown cells and figure captions (outside
math, code and roles: see tests/literal_numbers.py) must be tied to the code with an
``{eval}`` role, or be listed in tests/literal_numbers.yml: under ``allowed`` (deliberate
literals, each with its reason). The test fails on a number listed nowhere, and on an entry
that matches nothing any more, so the list only shrinks. A ``not_yet_tied`` section (numbers a
chapter's author has still to tie) served while the chapters were tied; every notebook is tied
now, and no notebook may have such an entry again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from literal_numbers import Finding, literals, matches, prose, scan_notebook

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
DATA = Path(__file__).with_name("literal_numbers.yml")
NOTEBOOKS = sorted(p for p in BOOK.glob("*.ipynb"))


def load_data(path: Path = DATA) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"allowed": data.get("allowed") or {}, "not_yet_tied": data.get("not_yet_tied") or {}}


def check(findings: list[Finding], allowed: list, not_yet: list) -> list[str]:
    """Problems of one notebook: findings that no entry names, entries that name nothing.
    Entries are used once each, the most specific (longest context) first."""
    entries = [("allowed", e[0], e[1]) for e in allowed] + [("not yet tied", e[0], e[1]) for e in not_yet]
    order = sorted(range(len(entries)), key=lambda i: -len(entries[i][2]))
    used = [False] * len(entries)
    problems = []
    for finding in findings:
        for i in order:
            kind, literal, ctx = entries[i]
            if not used[i] and matches(finding, str(literal), str(ctx)):
                used[i] = True
                break
        else:
            problems.append(f"untied number: {finding} (tie it with {{eval}}, see README)")
    for i, (kind, literal, ctx) in enumerate(entries):
        if not used[i]:
            problems.append(f"the {kind} entry [{literal!r}, {ctx!r}] matches nothing any more: delete it")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_reported_number_is_tied_or_listed(path):
    data = load_data()
    problems = check(
        scan_notebook(path),
        data["allowed"].get(path.stem) or [],
        data["not_yet_tied"].get(path.stem) or [],
    )
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_data_names_only_notebooks_that_exist():
    data = load_data()
    stems = {p.stem for p in NOTEBOOKS}
    for section in ("allowed", "not_yet_tied"):
        unknown = set(data[section]) - stems
        assert not unknown, f"{section} in {DATA.name} names notebooks that do not exist: {unknown}"
        for stem, entries in data[section].items():
            for entry in entries:
                assert isinstance(entry, list) and len(entry) == 2, f"{stem}: entry {entry!r} is not [literal, context]"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_has_nothing_left_to_tie(path):
    assert not load_data()["not_yet_tied"].get(path.stem), f"{path.stem} is fully tied: its numbers come from {{eval}} roles"


# -- the scanner and the check, on made-up text ----------------------------------------------


def test_scanner_finds_decimals_and_percentages_in_prose():
    found = [literal for literal, _ in literals("The slope is 2.61, about 80% of 3.2e-4 and -0.5; 10 points.")]
    assert found == ["2.61", "80%", "3.2e-4", "-0.5"]


@pytest.mark.parametrize(
    "text",
    [
        "inline math $x = 0.5$ here",
        "display math\n\n$$\nC = 0.5\n$$\n",
        "an environment \\begin{aligned} a &= 0.5 \\end{aligned} here",
        "a code span `lb.huber(delta=1.5)` here",
        "```python\nx = 0.5\n```",
        "a tied value {eval}`f\"{cost:.2f}\"` and {cite:p}`smith2.5` and {numref}`fig-0.5`",
        "```{exercise} Title\n:label: ex-0.5\n:width: 0.5\n\nText.\n```",
        "a [link](https://example.org/v1.5/page) here",
        "<!-- a comment 0.5 -->",
        "a version 1.2.3 and a section 8.1.3",
        "counts: 10 examples and 100 points",
    ],
)
def test_scanner_ignores_what_is_not_a_reported_number(text):
    assert literals(text) == [], prose(text)


def test_scanner_keeps_directive_content_and_titles():
    text = "```{admonition} Within 1.5 times\n:class: warning\n\nThe loss is 0.25 here.\n```"
    assert [literal for literal, _ in literals(text)] == ["1.5", "0.25"]


def _finding(literal, ctx):
    return Finding("nb", 3, "markdown", literal, ctx)


def test_check_fails_on_a_new_untied_number():
    findings = [_finding("2.61", "the fit (slope 2.61 instead of 2"), _finding("0.7", "together about 0.7, and")]
    problems = check(findings, [], [["2.61", "slope 2.61 instead"]])
    assert len(problems) == 1 and "untied number" in problems[0] and "'0.7'" in problems[0]


def test_check_fails_on_a_stale_entry():
    problems = check([], [["1.35", "defaults to 1.35"]], [["2.61", "slope 2.61"]])
    assert len(problems) == 2 and all("matches nothing" in p for p in problems)


def test_check_uses_each_entry_once():
    findings = [_finding("0.5", "threshold of 0.5, so"), _finding("0.5", "threshold of 0.5. For")]
    assert len(check(findings, [], [["0.5", "threshold of 0.5"]])) == 1
    assert check(findings, [], [["0.5", "threshold of 0.5"], ["0.5", "threshold of 0.5"]]) == []


def test_check_passes_when_everything_is_listed():
    findings = [_finding("1.35", "and defaults to 1.35, which keeps")]
    assert check(findings, [["1.35", "defaults to 1.35"]], []) == []
