"""Checks on the stored notebooks in book/ and on the table of contents.

nbval (``make test``) re-runs each notebook and compares outputs, but it silently
passes a cell that was never executed (``execution_count`` null) and it cannot tell
that a notebook was run out of order. These tests read the stored files and check:

- every code cell was executed, in one run from top to bottom (counts 1..N in order);
- no cell stored an error or anything on stderr (a stray warning);
- the kernelspec is the generic ``python3`` (see README, "Kernels");
- every notebook is in _toc.yml, and every _toc.yml entry exists.

The checks are plain functions returning a list of problems, so that the tests at
the bottom can show that each one fails on a notebook that breaks it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
TOC = ROOT / "_toc.yml"

EXPECTED_KERNEL = "python3"
PAGE_SUFFIXES = (".md", ".ipynb")

NOTEBOOKS = sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


# -- the checks ---------------------------------------------------------------


def execution_problems(nb) -> list[str]:
    """Code cells not executed, or not executed once each from top to bottom."""
    problems = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code_cells, start=1):
        count = cell.get("execution_count")
        if count is None:
            problems.append(f"code cell {i} was not executed (execution_count is null)")
        elif count != i:
            problems.append(
                f"code cell {i} has execution_count {count}, expected {i}: the notebook "
                "was not run top to bottom in one fresh kernel (run `make notebooks`)"
            )
        for out in cell.get("outputs", []):
            if out.get("output_type") == "execute_result" and out.get("execution_count") != count:
                problems.append(
                    f"code cell {i}: its result has execution_count "
                    f"{out.get('execution_count')}, the cell {count}"
                )
    return problems


def output_problems(nb) -> list[str]:
    """Stored errors and stderr output."""
    problems = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code_cells, start=1):
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                problems.append(f"code cell {i} stored an error: {out.get('ename')}: {out.get('evalue')}")
            elif kind == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", ""))
                problems.append(f"code cell {i} wrote to stderr: {text.strip()[:200]!r}")
    return problems


def kernel_problems(nb) -> list[str]:
    spec = nb.metadata.get("kernelspec") or {}
    problems = []
    if spec.get("name") != EXPECTED_KERNEL:
        problems.append(f"kernelspec name is {spec.get('name')!r}, expected {EXPECTED_KERNEL!r}")
    if spec.get("language", "python") != "python":
        problems.append(f"kernelspec language is {spec.get('language')!r}, expected 'python'")
    return problems


def toc_entries(toc: dict) -> list[str]:
    """Every document named in a jb-book table of contents (root, files), in order."""
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    return found


def resolve_entry(entry: str, root: Path = ROOT) -> Path | None:
    """The file a toc entry names (with or without its suffix), or None."""
    path = root / entry
    if path.suffix in PAGE_SUFFIXES and path.is_file():
        return path
    for suffix in PAGE_SUFFIXES:
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def load_toc() -> dict:
    return yaml.safe_load(TOC.read_text(encoding="utf-8"))


# -- the tests on the real files -------------------------------------------------


def test_book_has_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {BOOK}"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def notebook(request):
    path = request.param
    nb = nbformat.read(path, as_version=4)
    return path, nb


def test_notebook_is_valid(notebook):
    path, nb = notebook
    nbformat.validate(nb)


def test_notebook_executed_in_order(notebook):
    path, nb = notebook
    assert not execution_problems(nb), f"{path.name}:\n" + "\n".join(execution_problems(nb))


def test_notebook_has_no_errors_or_stderr(notebook):
    path, nb = notebook
    assert not output_problems(nb), f"{path.name}:\n" + "\n".join(output_problems(nb))


def test_notebook_kernelspec(notebook):
    path, nb = notebook
    assert not kernel_problems(nb), f"{path.name}: " + "; ".join(kernel_problems(nb))


def test_toc_format():
    toc = load_toc()
    assert toc.get("format") == "jb-book"
    assert toc.get("root") == "book/index"


def test_every_toc_entry_exists():
    missing = [e for e in toc_entries(load_toc()) if resolve_entry(e) is None]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"


def test_toc_has_no_duplicates():
    entries = toc_entries(load_toc())
    duplicates = sorted({e for e in entries if entries.count(e) > 1})
    assert not duplicates, f"_toc.yml lists these pages twice: {duplicates}"


def test_every_notebook_in_toc():
    listed = {resolve_entry(e) for e in toc_entries(load_toc())}
    unlisted = [str(p.relative_to(ROOT)) for p in NOTEBOOKS if p not in listed]
    assert not unlisted, f"notebooks missing from _toc.yml (they would not be built): {unlisted}"


# -- the checks fail when they should ---------------------------------------------


def _notebook(*cells, kernel="python3"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": "Python 3", "language": "python"}
    nb.cells = list(cells)
    return nb


def _code(count, outputs=()):
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.execution_count = count
    cell.outputs = list(outputs)
    return cell


def test_checks_pass_a_good_notebook():
    result = nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=2)
    nb = _notebook(nbformat.v4.new_markdown_cell("# Title"), _code(1), _code(2, [result]))
    assert execution_problems(nb) == []
    assert output_problems(nb) == []
    assert kernel_problems(nb) == []


@pytest.mark.parametrize(
    "counts",
    [(None, None), (1, None), (2, 3), (1, 3), (2, 1), (1, 1)],
    ids=["unexecuted", "half-executed", "not-from-1", "gap", "out-of-order", "repeated"],
)
def test_execution_check_fails(counts):
    nb = _notebook(*[_code(c) for c in counts])
    assert execution_problems(nb)


def test_execution_check_fails_on_stale_result():
    result = nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=5)
    assert execution_problems(_notebook(_code(1, [result])))


def test_output_check_fails_on_error_and_stderr():
    error = nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[])
    stderr = nbformat.v4.new_output("stream", name="stderr", text="UserWarning: careful\n")
    stdout = nbformat.v4.new_output("stream", name="stdout", text="fine\n")
    assert len(output_problems(_notebook(_code(1, [error]), _code(2, [stderr])))) == 2
    assert output_problems(_notebook(_code(1, [stdout]))) == []


def test_kernel_check_fails_on_other_kernel():
    assert kernel_problems(_notebook(_code(1), kernel="lossbook-venv"))
    nb = _notebook(_code(1))
    del nb.metadata["kernelspec"]
    assert kernel_problems(nb)


def test_toc_helpers(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "index.md").write_text("# Home\n")
    (tmp_path / "book" / "a.ipynb").write_text("{}")
    toc = {
        "format": "jb-book",
        "root": "book/index",
        "parts": [{"caption": "P", "chapters": [{"file": "book/a", "sections": [{"file": "book/b"}]}]}],
    }
    entries = toc_entries(toc)
    assert entries == ["book/index", "book/a", "book/b"]
    assert resolve_entry("book/index", tmp_path) == tmp_path / "book" / "index.md"
    assert resolve_entry("book/a", tmp_path) == tmp_path / "book" / "a.ipynb"
    assert resolve_entry("book/b", tmp_path) is None
