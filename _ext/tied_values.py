"""Numbers in the prose tied to the code that computes them: the ``{eval}`` role.

A Markdown cell (or a figure caption in a code cell's ``mystnb.figure.caption``) writes a
reported number as an inline expression, evaluated in the notebook's kernel at that point of
the notebook::

    The cost is {eval}`f"{cost:.4f}"`, the mean of the three losses.

Its value is stored next to the text, in the cell's ``user_expressions`` metadata, in the
format of the jupyterlab-myst extension::

    "user_expressions": [{"expression": "f\\"{cost:.4f}\\"",
                          "result": {"status": "ok", "data": {"text/plain": "'0.5000'"},
                                     "metadata": {}}}]

so the one value reads right everywhere:

- in JupyterLab with jupyterlab-myst, opened without running, the stored value is shown; after
  Run All, jupyterlab-myst evaluates each expression again when it reaches the Markdown cell
  and shows (and stores) the fresh value;
- on the website, this Sphinx extension replaces each ``{eval}`` role by its stored value as
  the notebook is read (MyST-NB 1.4 evaluates ``{eval}`` only with a live kernel at build time,
  and never reads ``user_expressions``); a role without a stored value is a build warning, so
  an error under ``-W``;
- ``make notebooks`` (``python _ext/tied_values.py execute book/*.ipynb``) executes each
  notebook top to bottom and stores the value of every expression as it goes, exactly as
  JupyterLab's Run All would;
- under nbval (``make test``), tests/nbval_tied_values.py evaluates every expression again in
  nbval's kernel at the same point and fails when the stored value and today's differ.

Write the expression so that it returns text formatted as the prose needs it: an f-string
such as ``f"{cost:.4f}"`` (jupyterlab-myst and this extension strip the quotes of a string's
repr). One line, no backticks.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from queue import Empty
from typing import Any

# {eval}`expression`: one line, no backtick inside (MyST's single-backtick role syntax).
EVAL_ROLE = re.compile(r"\{eval\}`([^`\n]+)`")
METADATA_KEY = "user_expressions"  # jupyterlab-myst's key (src/metadata.ts: metadataSection)
SITE_ROLE = "tied-value"


# -- reading expressions and stored values ---------------------------------------------


def caption_of(cell: dict) -> str:
    """The figure caption in a code cell's metadata, or ""."""
    figure = ((cell.get("metadata") or {}).get("mystnb") or {}).get("figure") or {}
    caption = figure.get("caption") or ""
    return caption if isinstance(caption, str) else ""


def cell_text(cell: dict) -> str:
    """The MyST text of a cell that may hold ``{eval}`` roles: a Markdown cell's source, a
    code cell's figure caption."""
    if cell.get("cell_type") == "markdown":
        source = cell.get("source", "")
        return "".join(source) if isinstance(source, list) else source
    if cell.get("cell_type") == "code":
        return caption_of(cell)
    return ""


def expressions(text: str) -> list[str]:
    """The expressions of the ``{eval}`` roles in ``text``, each once, in order."""
    seen: dict[str, None] = {}
    for match in EVAL_ROLE.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def cell_expressions(cell: dict) -> list[str]:
    return expressions(cell_text(cell))


def stored_results(cell: dict) -> dict[str, dict]:
    """{expression: result} from the cell's ``user_expressions`` metadata."""
    entries = (cell.get("metadata") or {}).get(METADATA_KEY) or []
    return {e["expression"]: e.get("result", {}) for e in entries if isinstance(e, dict) and "expression" in e}


def result_text(result: dict) -> str | None:
    """The text a result reads as: its ``text/plain``, without the quotes of a string's repr
    (as jupyterlab-myst's PlainTextRenderer and MyST-NB's ``strip_text_quotes`` do); None if
    the result is an error or has no text."""
    if not isinstance(result, dict) or result.get("status") != "ok":
        return None
    text = (result.get("data") or {}).get("text/plain")
    if isinstance(text, list):
        text = "".join(text)
    if not isinstance(text, str):
        return None
    match = re.fullmatch(r"(['\"])(.*)\1", text, re.DOTALL)
    return match.group(2) if match else text


def describe_error(result: dict) -> str:
    if isinstance(result, dict) and result.get("status") == "error":
        return f"{result.get('ename')}: {result.get('evalue')}"
    return f"no text/plain value in {result!r}"


def stored_problems(cell: dict) -> list[str]:
    """What is wrong between a cell's ``{eval}`` roles and its stored values."""
    wanted = cell_expressions(cell)
    stored = stored_results(cell)
    problems = []
    for expr in wanted:
        if expr not in stored:
            problems.append(f"{{eval}}`{expr}` has no stored value (run `make notebooks`)")
        elif result_text(stored[expr]) is None:
            problems.append(f"{{eval}}`{expr}` stored an error: {describe_error(stored[expr])}")
    for expr in stored:
        if expr not in wanted:
            problems.append(f"stored value of {expr!r}, which the cell no longer uses (run `make notebooks`)")
    return problems


def metadata_entries(exprs: list[str], results: dict[str, dict]) -> list[dict]:
    """The ``user_expressions`` metadata for ``exprs``, as jupyterlab-myst writes it."""
    return [{"expression": expr, "result": results[expr]} for expr in exprs]


# -- evaluating in a kernel ---------------------------------------------------------------


def request(exprs: list[str]) -> dict[str, str]:
    return {str(i): expr for i, expr in enumerate(exprs)}


def reply_results(exprs: list[str], reply: dict) -> dict[str, dict]:
    content = reply["content"]
    if content.get("status") != "ok":
        raise RuntimeError(f"the kernel did not evaluate the expressions: {content.get('status')}")
    found = content.get("user_expressions") or {}
    return {expr: found.get(str(i), {"status": "error", "ename": "Missing", "evalue": "no result"}) for i, expr in enumerate(exprs)}


def evaluate_blocking(kc, exprs: list[str], timeout: float = 60) -> dict[str, dict]:
    """Evaluate ``exprs`` with a blocking kernel client, as jupyterlab-myst does: an empty,
    silent execute request that carries them as ``user_expressions`` (no execution count,
    no history, no output). Returns {expression: result}."""
    if not exprs:
        return {}
    msg_id = kc.execute("", silent=True, store_history=False, user_expressions=request(exprs))
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    # Drain this request's messages from IOPub (busy, idle), so that they do not linger.
    try:
        while True:
            msg = kc.get_iopub_msg(timeout=timeout)
            if (
                msg["parent_header"].get("msg_id") == msg_id
                and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"
            ):
                break
    except Empty:
        pass
    return reply_results(exprs, reply)


# -- make notebooks: execute, and store every value ------------------------------------------


def execute_notebook(path: Path, timeout: int = 600) -> None:
    """Execute the notebook at ``path`` in place, top to bottom in one fresh kernel (from its
    own folder), storing the value of every ``{eval}`` expression in its cell's metadata at
    the point where the cell stands. Fails on any error, in a cell or in an expression."""
    import nbformat
    from nbclient import NotebookClient

    class Client(NotebookClient):
        async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            exprs = cell_expressions(cell)
            if not exprs:
                cell.metadata.pop(METADATA_KEY, None)
                return cell
            msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions=request(exprs))
            reply = await self.async_wait_for_reply(msg_id, cell)
            if reply is None:
                raise RuntimeError(f"{path.name}, cell {cell_index}: no reply to the expressions {exprs}")
            results = reply_results(exprs, reply)
            errors = [f"{{eval}}`{e}`: {describe_error(r)}" for e, r in results.items() if result_text(r) is None]
            if errors:
                raise RuntimeError(f"{path.name}, cell {cell_index}:\n" + "\n".join(errors))
            cell.metadata[METADATA_KEY] = metadata_entries(exprs, results)
            return cell

    nb = nbformat.read(path, as_version=4)
    client = Client(nb, timeout=timeout, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
                    resources={"metadata": {"path": str(path.parent)}},
                    # one stream output per cell and stream, however the kernel batched it
                    coalesce_streams=True)
    client.execute()
    for cell in nb.cells:
        # nbclient records per-cell timestamps; dropped so that re-running an unchanged
        # notebook leaves it unchanged.
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


# -- the website: a Sphinx extension ----------------------------------------------------------


def substitute(text: str, results: dict[str, dict], missing: list[str]) -> str:
    """``text`` with each ``{eval}`expr``` replaced by ``{tied-value}`value```; the
    expressions without a usable stored value are appended to ``missing`` and left as they
    are (MyST-NB then warns about them too)."""

    def replace(match: re.Match) -> str:
        expr = match.group(1)
        value = result_text(results.get(expr, {}))
        if value is None or "`" in value or "\n" in value:
            missing.append(expr)
            return match.group(0)
        return f"{{{SITE_ROLE}}}`{value}`"

    return EVAL_ROLE.sub(replace, text)


def substitute_notebook(source: str, report) -> str:
    """The notebook JSON ``source`` with every ``{eval}`` role (Markdown cells and figure
    captions) replaced by its stored value. ``report(message)`` is called for each problem."""
    if "{eval}" not in source:
        return source
    nb = json.loads(source)
    for index, cell in enumerate(nb.get("cells", [])):
        text = cell_text(cell)
        if "{eval}" not in text:
            continue
        for problem in stored_problems(cell):
            report(f"cell {index}: {problem}")
        missing: list[str] = []
        new = substitute(text, stored_results(cell), missing)
        if cell.get("cell_type") == "markdown":
            cell["source"] = new
        else:
            cell["metadata"]["mystnb"]["figure"]["caption"] = new
    return json.dumps(nb, ensure_ascii=False)


def _source_read(app, docname: str, source: list[str]) -> None:
    from sphinx.util import logging

    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    logger = logging.getLogger(__name__)

    def report(message: str) -> None:
        logger.warning(f"{message}", location=docname, type="tied_values", subtype="missing")

    source[0] = substitute_notebook(source[0], report)


def _tied_value_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    from docutils import nodes

    return [nodes.inline(rawtext, text, classes=["tied-value"])], []


def setup(app) -> dict[str, Any]:
    app.connect("source-read", _source_read)
    app.add_role(SITE_ROLE, _tied_value_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# -- command line -----------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "execute":
        print("usage: python _ext/tied_values.py execute NOTEBOOK.ipynb ...", file=sys.stderr)
        return 2
    for name in argv[1:]:
        path = Path(name).resolve()
        print(f"executing {name}", flush=True)
        execute_notebook(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
