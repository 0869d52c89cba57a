"""The MyST the notebooks may use: what both the site (MyST-NB) and JupyterLab (jupyterlab-myst)
render, or what degrades readably in one of them (README, "Writing a notebook").

Checked on every notebook in book/:

- roles and directives come from the supported subset (no ``{doc}``: a Markdown link to the
  file, which both follow; no glue, no substitutions);
- a Markdown link to a page of the book names a file that exists, with its own text;
- a solution with code is gated: ``solution-start`` ends its cell (the solution's prose after
  it), then only code cells, each collapsed in JupyterLab (``jupyter.source_hidden`` and
  ``outputs_hidden``) and starting with a comment line (JupyterLab shows a collapsed cell's
  first line), then a cell that starts with ``solution-end``;
- no code cell stands after the first exercise outside a solution's gate (its code and
  output would show on the page, below the exercise, before the reader opens anything).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from literal_numbers import DISPLAY_MATH, ENVIRONMENT, INLINE_MATH, strip_fences

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))

ROLES = {"term", "ref", "numref", "cite:p", "cite:t", "eval"}
DIRECTIVES = {
    "exercise", "solution", "solution-start", "solution-end",
    "admonition", "note", "warning", "tip", "important", "seealso",
}
DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,})\{([\w:.-]+)\}", re.MULTILINE)
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
SOLUTION_START = re.compile(r"^(`{3,}|:{3,})\{solution-start\}\s+([\w-]+)", re.MULTILINE)
SOLUTION_END = re.compile(r"^(`{3,}|:{3,})\{solution-end\}")


ROLE_OR_CODE = re.compile(r"\{([A-Za-z][\w:.-]*)\}(`+).*?\2|(`+).*?\3", re.DOTALL)


def role_names(text: str) -> list[str]:
    """The roles used in Markdown ``text``, not counting math and code (where a ``{x}`` and a
    backtick are not a role)."""
    for pattern in (DISPLAY_MATH, ENVIRONMENT, INLINE_MATH):
        text = pattern.sub(" ", text)
    text = re.sub(r"^(\s*)(`{3,}|~{3,})(?!\{)[^\n]*\n.*?^\1\2\s*$", " ", text, flags=re.MULTILINE | re.DOTALL)
    return [m.group(1) for m in ROLE_OR_CODE.finditer(text) if m.group(1)]


def syntax_problems(nb) -> list[str]:
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        for name in role_names(text):
            if name not in ROLES:
                hint = " (write [Title](file.ipynb))" if name == "doc" else ""
                problems.append(f"cell {index}: role {{{name}}} is not in the subset{hint}")
        for _, name in DIRECTIVE.findall(text):
            if name not in DIRECTIVES:
                problems.append(f"cell {index}: directive {{{name}}} is not in the subset")
        if "{{" in strip_fences(text):
            problems.append(f"cell {index}: substitutions ({{{{ ... }}}}) are not rendered in JupyterLab")
        for label, target in LINK.findall(text):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            path = target.split("#")[0]
            if not (BOOK / path).is_file():
                problems.append(f"cell {index}: link to {target!r}, which is not a file in book/")
            elif not label.strip():
                problems.append(f"cell {index}: link to {target!r} has no text (JupyterLab would show the file name)")
    return problems


def solution_problems(nb) -> list[str]:
    problems = []
    cells = nb.cells
    first_exercise = next(
        (i for i, c in enumerate(cells) if c.cell_type == "markdown" and re.search(r"\{exercise\}", c.source)), len(cells)
    )
    gated: set[int] = set()
    i = 0
    while i < len(cells):
        cell = cells[i]
        match = SOLUTION_START.search(cell.source) if cell.cell_type == "markdown" else None
        if not match:
            i += 1
            continue
        label = match.group(2)
        rest = cell.source[match.end() :]
        # the directive's own fence closes right after its options; nothing may follow it but prose
        if re.search(r"\{solution-end\}", rest):
            problems.append(f"cell {i}: solution {label} ends in the cell where it starts")
        j = i + 1
        while j < len(cells) and cells[j].cell_type == "code":
            code = cells[j]
            gated.add(j)
            hidden = code.metadata.get("jupyter") or {}
            if not (hidden.get("source_hidden") and hidden.get("outputs_hidden")):
                problems.append(
                    f"cell {j} (solution {label}): set metadata jupyter.source_hidden and "
                    "jupyter.outputs_hidden to true, so JupyterLab shows it collapsed"
                )
            if not code.source.lstrip().startswith("#"):
                problems.append(
                    f"cell {j} (solution {label}): start with a comment line; JupyterLab shows a "
                    "collapsed cell's first line"
                )
            j += 1
        if j == i + 1:
            problems.append(f"cell {i}: solution {label} is gated but holds no code cell (use {{solution}})")
        if j >= len(cells) or not SOLUTION_END.match(cells[j].source.lstrip()):
            problems.append(
                f"cell {j}: the cell after the code of solution {label} must start with solution-end "
                "(prose of the solution goes before the code, in the solution-start cell)"
            )
        i = j  # the end cell may start the next solution
    for k in range(first_exercise, len(cells)):
        if cells[k].cell_type == "code" and k not in gated:
            problems.append(
                f"cell {k}: a code cell after the first exercise, outside a solution's gate: its code "
                "and output would show before the reader opens the solution"
            )
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_the_supported_myst(path):
    nb = nbformat.read(path, as_version=4)
    problems = syntax_problems(nb)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_solutions_are_gated_and_hidden(path):
    nb = nbformat.read(path, as_version=4)
    problems = solution_problems(nb)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_book_has_gated_solutions():
    gates = sum(
        len(SOLUTION_START.findall(c.source))
        for p in NOTEBOOKS
        for c in nbformat.read(p, as_version=4).cells
        if c.cell_type == "markdown"
    )
    assert gates >= 10, f"only {gates} gated solutions"


# -- the checks fail when they should ---------------------------------------------------------------


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _md(text):
    return nbformat.v4.new_markdown_cell(text)


def _code(text="# The code of the solution.\nprint(1)", hidden=True):
    cell = nbformat.v4.new_code_cell(text)
    if hidden:
        cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
    return cell


EXERCISE = "```{exercise} T\n:label: ex-t\n\nDo it.\n```\n\n"
START = "````{solution-start} ex-t\n:class: dropdown\n````\n\nThe prose of the solution."
END = "````{solution-end}\n````"


def test_a_good_gated_solution_passes():
    nb = _nb(_md(EXERCISE + START), _code(), _code(), _md(END + "\n\nNext."))
    assert solution_problems(nb) == []
    assert syntax_problems(nb) == []


def test_the_old_leaking_pattern_fails():
    dropdown = "```{solution} ex-t\n:class: dropdown\n\nText.\n```"
    leak = nbformat.v4.new_code_cell("print('answer')")
    leak.metadata["tags"] = ["hide-input"]
    problems = solution_problems(_nb(_md(EXERCISE + dropdown), leak))
    assert len(problems) == 1 and "outside a solution's gate" in problems[0]


def test_gate_without_hidden_metadata_or_comment_fails():
    problems = solution_problems(_nb(_md(EXERCISE + START), _code("print(1)", hidden=False), _md(END)))
    assert len(problems) == 2


def test_prose_between_code_and_end_fails():
    problems = solution_problems(_nb(_md(EXERCISE + START), _code(), _md("More prose.\n\n" + END)))
    assert any("must start with solution-end" in p for p in problems)


def test_unsupported_syntax_fails():
    nb = _nb(_md("See {doc}`regression`, {glue:text}`x`, {{ subst }} and [](regression.ipynb) and [x](nowhere.ipynb).\n\n```{figure} a.png\n```"))
    problems = syntax_problems(nb)
    assert any("{doc}" in p for p in problems)
    assert any("{glue:text}" in p for p in problems)
    assert any("substitutions" in p for p in problems)
    assert any("has no text" in p for p in problems)
    assert any("nowhere.ipynb" in p for p in problems)
    assert any("{figure}" in p for p in problems)


def test_roles_in_math_or_code_are_not_roles():
    assert syntax_problems(_nb(_md("Math $\\operatorname{sign}`x$ and code `{doc}`x`` and\n\n```python\n{doc}`x`\n```"))) == []
