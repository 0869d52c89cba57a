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

import ast
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


# -- a name an expression reads, bound again by a later cell -----------------------------------
#
# jupyterlab-myst evaluates a Markdown cell's expressions when Run All reaches the cell, but its
# request can reach the kernel after later code cells have run. An expression whose name a
# later cell binds again then shows another value than the one stored (seen on
# training_loop.ipynb, where cells 50 and 53 rebound the `g` of cell 24). So a name that an
# ``{eval}`` expression reads is never bound again by a later code cell.


class _ModuleBindings(ast.NodeVisitor):
    """The names a code cell binds in the notebook's (module) namespace: assignment targets,
    ``for``/``with``/``except``/``match`` targets, ``del``, ``:=``, ``def``/``class`` names,
    imports; and a ``global`` name a function or class body assigns. Not a comprehension's
    targets, a lambda's or function's arguments, or a function's or class's own names."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        # one entry per enclosing scope: (kind, the names it declares global)
        self.scopes: list[tuple[str, set[str]]] = [("module", set())]

    def bind(self, name: str, walrus: bool = False) -> None:
        scopes = self.scopes
        if walrus:  # `:=` in a comprehension binds in the scope around it
            scopes = [s for s in scopes if s[0] != "comprehension"]
        kind, declared = scopes[-1]
        if kind == "module" or name in declared:
            self.names.add(name)

    def scoped(self, kind: str, body, declared=frozenset()) -> None:
        self.scopes.append((kind, set(declared)))
        for node in body:
            self.visit(node)
        self.scopes.pop()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.bind(node.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.bind(node.target.id, walrus=True)
        self.visit(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None or not isinstance(node.target, ast.Name):  # `x: int` binds nothing
            self.visit(node.target)
        self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.bind(alias.asname or alias.name.split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bind(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node) -> None:
        if node.name:
            self.bind(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node) -> None:
        if node.name:
            self.bind(node.name)

    def visit_MatchMapping(self, node) -> None:
        if node.rest:
            self.bind(node.rest)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.bind(node.name)
        args = node.args
        for expr in [*node.decorator_list, *args.defaults, *(d for d in args.kw_defaults if d), node.returns]:
            if expr is not None:
                self.visit(expr)
        self.scoped("function", node.body, _declared_global(node.body))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expr in [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
            self.visit(expr)
        self.scoped("function", [node.body])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.bind(node.name)
        for expr in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(expr)
        self.scoped("class", node.body, _declared_global(node.body))

    def visit_ListComp(self, node) -> None:
        self.scoped("comprehension", [*node.generators, *_elements(node)])

    visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_ListComp


def _elements(node) -> list[ast.AST]:
    return [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]


def _declared_global(body: list[ast.stmt]) -> set[str]:
    """The names a function or class body declares ``global`` (not in the scopes nested in it)."""
    declared: set[str] = set()
    todo = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Global):
            declared.update(node.names)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return declared


def names_bound(source: str) -> set[str]:
    """The names the code cell ``source`` binds in the notebook's namespace (IPython syntax)."""
    from IPython.core.inputtransformer2 import TransformerManager

    visitor = _ModuleBindings()
    visitor.visit(ast.parse(TransformerManager().transform_cell(source)))
    return visitor.names


def names_read(expression: str) -> set[str]:
    """The notebook's names an ``{eval}`` expression reads (not a comprehension's targets or a
    lambda's arguments)."""
    read: set[str] = set()

    def walk(node: ast.AST, local: frozenset[str]) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
            read.add(node.id)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = local | {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
            walk(node.generators[0].iter, local)  # the first iterable is evaluated outside
            for g in node.generators:
                for child in [*([g.iter] if g is not node.generators[0] else []), *g.ifs]:
                    walk(child, inner)
            for child in _elements(node):
                walk(child, inner)
        elif isinstance(node, ast.Lambda):
            args = node.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, [args.vararg, args.kwarg])]
            for child in [*args.defaults, *(d for d in args.kw_defaults if d)]:
                walk(child, local)
            walk(node.body, local | {a.arg for a in params})
        else:
            for child in ast.iter_child_nodes(node):
                walk(child, local)

    walk(ast.parse(expression.strip(), mode="eval"), frozenset())
    return read


def rebinding_problems(nb) -> list[str]:
    """Each name an ``{eval}`` expression reads (in a Markdown cell or a figure caption) that a
    later code cell binds again: after JupyterLab's Run All the expression may show its value."""
    bound = {j: names_bound(c.source) for j, c in enumerate(nb.cells) if c.cell_type == "code"}
    problems = []
    for i, cell in enumerate(nb.cells):
        for expr in tv.cell_expressions(cell):
            for name in sorted(names_read(expr)):
                later = [j for j in bound if j > i and name in bound[j]]
                if later:
                    cells = ", ".join(map(str, later))
                    problems.append(f"cell {i}: {{eval}}`{expr}` reads `{name}`, which cell{'s' * (len(later) > 1)} "
                                    f"{cells} bind{'s' * (len(later) == 1)} again")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_later_cell_binds_a_name_a_tied_value_reads(path):
    """jupyterlab-myst's Run All may evaluate a cell's expressions after later cells ran."""
    problems = rebinding_problems(nbformat.read(path, as_version=4))
    assert not problems, (
        f"{path.name}: a later code cell binds a name that an {{eval}} expression reads, so after "
        "JupyterLab's Run All the prose may show another value; rename the later variable or give "
        "the tied value a name of its own:\n" + "\n".join(problems)
    )


@pytest.mark.parametrize(
    "source, names",
    [
        ("g = 1\nx += 2\na, (b, *c) = 1, (2, 3, 4)\nd[0] = 5\ne.f = 6", {"g", "x", "a", "b", "c"}),
        ("for i, j in z:\n    k = i\nwith open(p) as (fh):\n    pass", {"i", "j", "k", "fh"}),
        ("del x\ndef f(a, b=c):\n    y = a\nclass C:\n    z = 1", {"x", "f", "C"}),
        ("import numpy as np, os.path\nfrom a import b as c, d", {"np", "os", "c", "d"}),
        ("s = [t for t in u]\nv = {w: 1 for w in u}\nlam = lambda q: q", {"s", "v", "lam"}),
        ("[y := t for t in u]\nif (n := 3):\n    pass", {"y", "n"}),
        ("def f():\n    global g\n    g = 1\n    h = 2", {"f", "g"}),
        ("try:\n    pass\nexcept E as err:\n    pass\nx: int\ny: int = 2", {"err", "y"}),
        ("match m:\n    case [a, *rest]:\n        pass\n    case {'k': b, **kw}:\n        pass", {"a", "rest", "b", "kw"}),
        ("%matplotlib inline\nx = 1", {"x"}),
    ],
)
def test_names_bound_in_the_notebook_namespace(source, names):
    assert names_bound(source) == names


@pytest.mark.parametrize(
    "expression, names",
    [
        ('f"{g[0]:.4f} and {cost:.2f}"', {"g", "cost"}),
        ('", ".join(f"{v:.2f}" for v in values)', {"values"}),
        ("[x * k for x in xs if x > lo]", {"k", "xs", "lo"}),
        ("(lambda a: a + b)(c)", {"b", "c"}),
        ("np.mean(loss)", {"np", "loss"}),
    ],
)
def test_names_an_expression_reads(expression, names):
    assert names_read(expression) == names


def test_a_later_rebinding_fails_and_an_earlier_one_passes():
    figure = nbformat.v4.new_code_cell("plt.show()")
    figure.metadata["mystnb"] = {"figure": {"caption": "Slope {eval}`f\"{s:.2f}\"`.", "name": "fig-x"}}
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("_, g = 1, 2\ns = 3"),
        _markdown('The gradient is {eval}`f"{g:.4f}"`, the cost {eval}`f"{c:.2f}"`.'),
        figure,
        nbformat.v4.new_code_cell("_, g = 3, 4\nc = [s for s in range(3)]"),  # rebinds g; s only in a comprehension
        nbformat.v4.new_code_cell("def h():\n    g = 5\nfor g in range(2):\n    pass"),
    ]
    assert rebinding_problems(nb) == [
        'cell 1: {eval}`f"{g:.4f}"` reads `g`, which cells 3, 4 bind again',
        'cell 1: {eval}`f"{c:.2f}"` reads `c`, which cell 3 binds again',
    ]
    nb.cells = nb.cells[:3]
    assert rebinding_problems(nb) == []
