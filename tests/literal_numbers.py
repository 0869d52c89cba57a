"""Find the literal decimal numbers in a notebook's prose: the scanner behind
tests/test_literal_numbers.py.

A number that reports a result must come from the code (an ``{eval}`` role, see
_ext/tied_values.py). This module finds the numbers that do not: decimal numbers (``0.5``,
``2.61``, ``1e-3``, ``-0.7667``) and percentages (``80%``, ``99.9%``) in the text of every
Markdown cell and every figure caption, leaving out what is not prose:

- math: ``$...$``, ``$$...$$`` and ``\\begin{...}...\\end{...}`` (a formula's constants belong
  to the formula);
- code: fenced blocks that are not directives, and inline ``code`` spans;
- roles: ``{eval}`` (tied), ``{term}``, ``{cite:p}``, ``{numref}`` and every other role's content;
- directive options (``:label: ...``), link targets ``](...)``, target lines ``(label)=``,
  HTML comments.

Integers other than percentages are not reported: counts and sizes ("100 points", "10
classes") are almost always part of an example's definition.

Each finding carries a context: the words around the number in the stripped text, which is
what an entry of the allow-list or the "not yet tied" list quotes to name that occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

# A decimal (with a point, or in scientific notation) or a percentage, not part of a word,
# a dotted version or a longer number.
NUMBER = re.compile(
    r"(?<![\w.])"
    r"(?:[-−]?\d+(?:\.\d+)?[eE][-+−]?\d+|[-−]?\d*\.\d+%?|\d+%)"
    r"(?![\w]|\.\d)"
)
ROLE = re.compile(r"\{[A-Za-z][\w:.-]*\}`[^`]*`")
INLINE_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.DOTALL)
ENVIRONMENT = re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(?:\\.|[^$\\])+?\$")
LINK = re.compile(r"\]\([^)]*\)")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
TARGET_LINE = re.compile(r"^\s*\([\w:.-]+\)=\s*$", re.MULTILINE)
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,}|:{3,})\s*(.*?)\s*$")
OPTION = re.compile(r"^\s*:[\w-]+:")


@dataclass(frozen=True)
class Finding:
    notebook: str  # file stem, e.g. "what_is_a_loss"
    cell: int  # index of the cell in the notebook
    where: str  # "markdown" or "caption"
    literal: str
    context: str  # the words around the literal, in the stripped text

    def __str__(self) -> str:
        return f"{self.notebook}, cell {self.cell} ({self.where}): {self.literal!r} in {self.context!r}"


def strip_fences(text: str) -> str:
    """Drop code blocks and directive options; keep directive content and titles."""
    out: list[str] = []
    stack: list[tuple[str, int, bool]] = []  # (fence character, length, is a code block)
    at_directive_start = False
    for line in text.split("\n"):
        match = FENCE.match(line)
        if match:
            fence, info = match.group(2), match.group(3)
            if stack and fence[0] == stack[-1][0] and len(fence) >= stack[-1][1] and not info:
                stack.pop()
                at_directive_start = False
                out.append("")
                continue
            if not (stack and stack[-1][2]):
                is_directive = info.startswith("{")
                stack.append((fence[0], len(fence), not is_directive))
                at_directive_start = is_directive
                # a directive's title is prose; its name is not
                out.append(re.sub(r"^\{[^}]*\}", "", info) if is_directive else "")
                continue
        if stack and stack[-1][2]:
            out.append("")  # inside a code block
            continue
        if at_directive_start and OPTION.match(line):
            out.append("")
            continue
        at_directive_start = False
        out.append(line)
    return "\n".join(out)


def prose(text: str) -> str:
    """``text`` with everything that is not prose replaced by a space (see the module doc)."""
    text = COMMENT.sub(" ", text)
    text = strip_fences(text)
    text = TARGET_LINE.sub(" ", text)
    text = DISPLAY_MATH.sub(" ", text)
    text = ENVIRONMENT.sub(" ", text)
    text = ROLE.sub(" ", text)
    text = INLINE_CODE.sub(" ", text)
    text = INLINE_MATH.sub(" ", text)
    text = LINK.sub("]", text)
    return re.sub(r"\s+", " ", text)


def context(text: str, start: int, end: int, words: int = 3) -> str:
    """The text from ``words`` words before the span [start, end) to ``words`` words after."""
    left = start
    for _ in range(words):
        left = text.rfind(" ", 0, max(left - 1, 0)) + 1 if left > 0 else 0
    right = end
    for _ in range(words):
        found = text.find(" ", right + 1)
        right = len(text) if found < 0 else found
    return text[left:right].strip()


def literals(text: str) -> list[tuple[str, str]]:
    """(literal, context) for each reported-looking number in the MyST ``text``."""
    plain = prose(text)
    return [(m.group(0), context(plain, m.start(), m.end())) for m in NUMBER.finditer(plain)]


def scan_notebook(path: Path) -> list[Finding]:
    nb = nbformat.read(path, as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            texts = [("markdown", cell.source)]
        elif cell.cell_type == "code":
            caption = ((cell.metadata.get("mystnb") or {}).get("figure") or {}).get("caption") or ""
            texts = [("caption", caption)] if caption else []
        else:
            texts = []
        for where, text in texts:
            for literal, ctx in literals(text):
                found.append(Finding(path.stem, index, where, literal, ctx))
    return found


def matches(finding: Finding, literal: str, ctx: str) -> bool:
    """Whether an entry (literal, context words) names this finding: the same literal, and
    the entry's context occurs in the finding's context (whitespace-normalised)."""
    return finding.literal == literal and " ".join(ctx.split()) in finding.context
