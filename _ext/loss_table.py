"""The ``loss-table`` directive: the API page's table of every loss, made from lossbook's registry.

Each row comes from one loss's declaration (:func:`lossbook.make_loss`): its name, its
formula, what ``y_pred`` holds, its options with their defaults, and its counterparts
in PyTorch, Keras and scikit-learn. Adding a loss to lossbook adds its row; nothing is
typed twice. The rows are written as a MyST list-table, so the directive belongs in a
Markdown page::

    ```{loss-table}
    ```
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.application import Sphinx

LIBRARIES = ("PyTorch", "Keras", "scikit-learn")
HOLDS = {
    "prediction": "predictions",
    "probability": "probabilities",
    "logit": "logits",
    "log_rate": "log-rates",
    "decision": "decision values",
}


def _cell(text: str) -> str:
    return text if text else "\u2014"  # an em dash: "--" would be Markdown syntax


def loss_rows(losses: dict) -> list[list[str]]:
    """One row of reStructuredText cells per loss, in the registry's order."""
    rows = []
    for name, loss in losses.items():
        if not loss.formula:
            raise ValueError(f"loss {name!r} declares no formula (make_loss(..., formula=...))")
        options = ", ".join(f"`{opt.name}={opt.default!r}`" for opt in loss.options.values())
        holds = HOLDS[loss.input]
        if loss.per_sample:
            holds += " (one row per sample)"
        elif loss.targets == "mean_and_log_variance":
            holds = "mean and log-variance"
        rows.append(
            [
                f"{{func}}`~lossbook.{name}`",
                # "|" would start a Markdown table inside the list: write it as \vert.
                "{math}`" + loss.formula.replace("|", "\\vert ") + "`",
                holds,
                _cell(options),
            ]
            + [_cell(f"`{loss.counterparts[lib]}`" if lib in loss.counterparts else "") for lib in LIBRARIES]
        )
    return rows


def list_table(rows: list[list[str]]) -> list[str]:
    """The rows as a MyST ``list-table`` (the directive is used in the Markdown API page)."""
    header = ["loss", "one element's (or sample's) loss", "`y_pred` holds", "options", *LIBRARIES]
    lines = [":::{list-table}", ":header-rows: 1", ":class: loss-table", ""]
    for row in [header] + rows:
        lines.append("* - " + row[0])
        lines.extend(f"  - {cell}" for cell in row[1:])
    return lines + [":::"]


class LossTable(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        import lossbook

        container = nodes.container(classes=["loss-table-wrapper"])
        self.state.nested_parse(StringList(list_table(loss_rows(lossbook.LOSSES)), "loss-table"), 0, container)
        return [container]


def setup(app: Sphinx) -> dict:
    app.add_directive("loss-table", LossTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
