"""Numbers tied to the code: the ``{eval}`` roles and their stored values (_ext/tied_values.py).

- every ``{eval}`` role in book/ has a stored value (``user_expressions`` metadata, in
  jupyterlab-myst's format), and no stored value is left without its role;
- the site extension replaces each role by its stored value, and reports a missing one;
- ``make notebooks``'s executor stores the value each expression has where its cell stands;
- the nbval plugin (tests/nbval_tied_values.py) fails when a stored value and what the code
  computes now part, and passes when they agree.

The last two start a kernel (a few seconds each).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import tied_values as tv  # noqa: E402

NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def _ok(text):
    return {"status": "ok", "data": {"text/plain": text}, "metadata": {}}


def _markdown(source, stored=None):
    cell = nbformat.v4.new_markdown_cell(source)
    if stored is not None:
        cell.metadata[tv.METADATA_KEY] = [{"expression": e, "result": r} for e, r in stored.items()]
    return cell


# -- the stored notebooks ----------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_eval_role_has_its_stored_value(path):
    nb = nbformat.read(path, as_version=4)
    problems = [f"cell {i}: {p}" for i, cell in enumerate(nb.cells) for p in tv.stored_problems(cell)]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_pilot_chapter_ties_its_numbers():
    nb = nbformat.read(ROOT / "book" / "what_is_a_loss.ipynb", as_version=4)
    tied = sum(len(tv.EVAL_ROLE.findall(tv.cell_text(cell))) for cell in nb.cells)
    assert tied >= 20, f"chapter 1 has only {tied} tied values"


# -- reading roles and values --------------------------------------------------------------------


def test_expressions_in_order_each_once():
    text = 'a {eval}`f"{x:.2f}"` b {eval}`2 * y` c {eval}`f"{x:.2f}"` d {term}`loss`'
    assert tv.expressions(text) == ['f"{x:.2f}"', "2 * y"]


def test_result_text_strips_the_quotes_of_a_string():
    assert tv.result_text(_ok("'0.5000'")) == "0.5000"
    assert tv.result_text(_ok('"it\'s"')) == "it's"
    assert tv.result_text(_ok("1.5")) == "1.5"
    assert tv.result_text({"status": "error", "ename": "NameError", "evalue": "x"}) is None


def test_caption_roles_are_read_from_code_cells():
    cell = nbformat.v4.new_code_cell("plt.show()")
    cell.metadata["mystnb"] = {"figure": {"caption": "Slope {eval}`f\"{s:.2f}\"`.", "name": "fig-x"}}
    assert tv.cell_expressions(cell) == ['f"{s:.2f}"']


def test_stored_problems_name_missing_stale_and_failed_values():
    assert tv.stored_problems(_markdown("x is {eval}`x`", {"x": _ok("1")})) == []
    missing = tv.stored_problems(_markdown("x is {eval}`x`", {}))
    stale = tv.stored_problems(_markdown("no role", {"x": _ok("1")}))
    failed = tv.stored_problems(_markdown("{eval}`x`", {"x": {"status": "error", "ename": "NameError", "evalue": "x"}}))
    assert "no stored value" in missing[0]
    assert "no longer uses" in stale[0]
    assert "NameError" in failed[0]


# -- the site extension ----------------------------------------------------------------------------


def _notebook_json(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nbformat.writes(nb)


def test_site_replaces_each_role_by_its_stored_value():
    figure = nbformat.v4.new_code_cell("plt.show()")
    figure.metadata["mystnb"] = {"figure": {"caption": "Cost {eval}`c`.", "name": "fig-x"}}
    figure.metadata[tv.METADATA_KEY] = [{"expression": "c", "result": _ok("0.5")}]
    source = _notebook_json(_markdown('The cost is {eval}`f"{c:.4f}"`.', {'f"{c:.4f}"': _ok("'0.5000'")}), figure)
    reports = []
    out = json.loads(tv.substitute_notebook(source, reports.append))
    assert "".join(out["cells"][0]["source"]) == "The cost is {tied-value}`0.5000`."
    assert out["cells"][1]["metadata"]["mystnb"]["figure"]["caption"] == "Cost {tied-value}`0.5`."
    assert reports == []


def test_site_reports_a_role_without_a_value():
    source = _notebook_json(_markdown("The cost is {eval}`cost`.", {}))
    reports = []
    out = json.loads(tv.substitute_notebook(source, reports.append))
    assert "{eval}`cost`" in "".join(out["cells"][0]["source"])  # left for MyST-NB to refuse too
    assert reports and "no stored value" in reports[0]


def test_site_leaves_notebooks_without_roles_untouched():
    source = _notebook_json(_markdown("Nothing to tie."))
    assert tv.substitute_notebook(source, pytest.fail) == source


def test_site_role_renders_the_value_as_text():
    nodes, messages = tv._tied_value_role("tied-value", "{tied-value}`0.5`", "0.5", 1, None)
    assert messages == [] and nodes[0].astext() == "0.5" and "tied-value" in nodes[0]["classes"]


# -- with a kernel: make notebooks's executor, and the nbval plugin --------------------------------


def _tiny_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    figure = nbformat.v4.new_code_cell("cost = 2 / 3\nprint(round(cost, 4))")
    figure.metadata["mystnb"] = {"figure": {"caption": "Now {eval}`f\"{cost:.4f}\"`.", "name": "fig-t"}}
    nb.cells = [
        nbformat.v4.new_code_cell("cost = 0.5\nprint(cost)"),
        nbformat.v4.new_markdown_cell('The cost is {eval}`f"{cost:.4f}"`, twice {eval}`2 * cost`.'),
        figure,
        nbformat.v4.new_markdown_cell('Then {eval}`f"{cost:.4f}"`.'),
    ]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tied") / "tiny.ipynb"
    _tiny_notebook(path)
    tv.execute_notebook(path)
    return path


def test_executor_stores_each_value_where_its_cell_stands(executed):
    nb = nbformat.read(executed, as_version=4)
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2]
    assert tv.result_text(tv.stored_results(nb.cells[1])['f"{cost:.4f}"']) == "0.5000"
    assert tv.result_text(tv.stored_results(nb.cells[1])["2 * cost"]) == "1.0"
    assert tv.result_text(tv.stored_results(nb.cells[2])['f"{cost:.4f}"']) == "0.6667"  # after its code
    assert tv.result_text(tv.stored_results(nb.cells[3])['f"{cost:.4f}"']) == "0.6667"
    assert all("execution" not in c.metadata for c in nb.cells)


def _nbval(path: Path) -> subprocess.CompletedProcess:
    """nbval with the plugin on ``path``, in a pytest of its own (rootdir: its folder)."""
    (path.parent / "pytest.ini").write_text("[pytest]\n")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "tests.nbval_tied_values",
         "-p", "no:cacheprovider", "-q", "--rootdir", str(path.parent), "-c", str(path.parent / "pytest.ini"), str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def test_nbval_plugin_passes_values_that_agree(executed):
    run = _nbval(executed)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 passed" in run.stdout  # two code cells, three cells of values


def test_nbval_plugin_fails_a_value_that_drifted(executed, tmp_path):
    nb = nbformat.read(executed, as_version=4)
    for entry in nb.cells[3].metadata[tv.METADATA_KEY]:
        entry["result"]["data"]["text/plain"] = "'0.6000'"  # the prose says 0.6000, the code 0.6667
    drifted = tmp_path / "drifted.ipynb"
    nbformat.write(nb, drifted)
    run = _nbval(drifted)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "reads '0.6000' in the notebook, but the code computes '0.6667' now" in run.stdout
    assert "1 failed, 4 passed" in run.stdout
