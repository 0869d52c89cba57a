"""nbval, extended: the numbers tied to the code (``{eval}`` roles) are checked too.

nbval compares the text outputs of code cells and never looks at Markdown cells or cell
metadata, where the values of the ``{eval}`` roles are stored (_ext/tied_values.py). This
plugin (registered by the repository's conftest.py; it acts only under ``--nbval``) adds one
test item per cell with ``{eval}`` roles, placed in the run where the cell stands: after the
code cell before it, so that it runs in nbval's kernel with the same state JupyterLab's Run All
and ``make notebooks`` see. The item evaluates every expression of the cell again and fails
when a value differs from the stored one (or when a role has no stored value), e.g.::

    book/what_is_a_loss.ipynb::values in cell 3 FAILED
        {eval}`f"{cost:.4f}"` reads '0.5000' in the notebook, but the code computes '0.6000' now

It costs nothing noticeable: no cell is executed twice.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
import tied_values  # noqa: E402

TIMEOUT = 120


class TiedValuesError(Exception):
    pass


class TiedValuesItem(pytest.Item):
    """The ``{eval}`` values of one cell (Markdown cell, or figure caption of a code cell)."""

    def __init__(self, *, cell_index: int, cell: dict, **kwargs):
        super().__init__(**kwargs)
        self.cell_index = cell_index
        self.cell = cell

    def runtest(self):
        problems = tied_values.stored_problems(self.cell)
        kernel = self.parent.kernel
        if kernel is None or not kernel.is_alive():
            raise TiedValuesError("the notebook's kernel is not running (an earlier cell failed?)")
        exprs = tied_values.cell_expressions(self.cell)
        fresh = tied_values.evaluate_blocking(kernel.kc, exprs, timeout=TIMEOUT)
        stored = tied_values.stored_results(self.cell)
        for expr in exprs:
            now = tied_values.result_text(fresh[expr])
            if now is None:
                problems.append(f"{{eval}}`{expr}` fails now: {tied_values.describe_error(fresh[expr])}")
            elif expr in stored and tied_values.result_text(stored[expr]) != now:
                problems.append(
                    f"{{eval}}`{expr}` reads {tied_values.result_text(stored[expr])!r} in the notebook, "
                    f"but the code computes {now!r} now (run `make notebooks`)"
                )
        if problems:
            raise TiedValuesError("\n".join(problems))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, TiedValuesError):
            return f"values tied to the code in cell {self.cell_index}:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::values in cell {self.cell_index}"


def tied_items(file_items: list, notebook) -> list:
    """``file_items`` (nbval's items of one notebook, in order) with a TiedValuesItem
    inserted where each cell with ``{eval}`` roles stands."""
    code_positions = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    parent = file_items[0].parent
    out = []
    pending = []  # cells with values, not yet placed
    by_code_cell = {item.cell_num: item for item in file_items if hasattr(item, "cell_num")}
    code_seen = -1
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            code_seen += 1
            out.extend(pending)
            pending = []
            item = by_code_cell.get(code_seen)
            if item is not None:
                out.append(item)
        if tied_values.cell_expressions(cell):
            pending.append(
                TiedValuesItem.from_parent(parent, name=f"values in cell {index}", cell_index=index, cell=cell)
            )
    out.extend(pending)
    # Any item nbval made that is not a code cell item (none today) keeps its place at the end.
    out.extend(item for item in file_items if item not in out)
    assert len(code_positions) == code_seen + 1
    return out


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    if not (getattr(config.option, "nbval", False) or getattr(config.option, "nbval_lax", False)):
        return
    try:
        from nbval.plugin import IPyNbFile
    except ImportError:  # nbval is not installed: nothing to extend
        return
    result, group, current = [], [], None
    for item in items + [None]:
        parent = getattr(item, "parent", None)
        if group and (item is None or parent is not current):
            result.extend(tied_items(group, current.nb) if isinstance(current, IPyNbFile) else group)
            group = []
        if item is None:
            break
        current = parent
        group.append(item)
    items[:] = result
