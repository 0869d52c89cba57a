"""Figures the reader can move, for the book's website: computed here, drawn by Bokeh.

An :class:`InteractiveFigure` holds every number it will ever draw. Its
controls (sliders and drop-down lists) each range over a fixed grid of
settings; for every reachable combination of settings the figure stores a
*frame*: the columns of the plotted data and the lines of text that go with
that setting, computed in Python (by lossbook) when the notebook runs. The
page's JavaScript only looks up the frame of the current setting and hands its
arrays to Bokeh: it never computes a loss, a fit or a score.

Displayed in a notebook, the figure's output (``_repr_mimebundle_``) is

- ``text/html``: a static PNG of the figure at its initial setting (with alt
  text), the initial lines of text, a note that the figure moves on the website,
  and the data as JSON in ``<script type="application/json">`` blocks. On the
  book's website a small loader (served from ``_static`` with BokehJS, see
  ``_ext/interactive_figures``) replaces the picture by the Bokeh plot and
  labelled, keyboard-operable HTML controls. In JupyterLab, where that script is
  absent, the static picture stays: nothing is empty and nothing fails.
- ``image/png``: the same static picture, for print and PDF.
- ``text/plain``: one deterministic line naming the figure.

The stored output is deterministic: numbers are written with four significant
digits, Bokeh's model ids are renumbered from the figure's name, and nothing
depends on the time or on object addresses. Frames whose numbers depend on the
last bits of the arithmetic (a chaotic training run, whose curve a different
CPU or BLAS would change) are marked ``rounding_sensitive`` and written to a
separate ``<script data-rounding-sensitive>`` block, which the notebook tests
(nbval) ignore while comparing every other number.

Bokeh and matplotlib are imported when a figure is built, not with
:mod:`lossbook`.

The four figures of the book are made by :func:`loss_explorer` (chapter 6),
:func:`outlier_figure` (chapter 3), :func:`threshold_figure` (chapter 5) and
:func:`learning_rate_figure` (chapter 2).

Examples
--------
>>> import lossbook as lb
>>> from lossbook.interactive import Control, Group, InteractiveFigure, Line, Panel
>>> import numpy as np
>>> x = np.linspace(-2, 2, 5)
>>> fig = InteractiveFigure(
...     "huber-demo",
...     controls=[Control("delta", "Huber δ", values=[0.5, 1.0, 2.0], initial=1)],
...     panels=[Panel([Line("curve", "x", "loss")], x_label="error", y_label="loss")],
...     sources={"curve": {"x": x}},
...     groups=[Group(["delta"], lambda s: {"data": {"curve": {
...         "loss": lb.huber(np.zeros_like(x), x, delta=s["delta"], reduction="none")}}})],
...     alt="The Huber loss against the error.",
... )
>>> fig.frame({"delta": 2.0})["data"]["curve"]["loss"]
[2.0, 0.5, 0.0, 0.5, 2.0]
>>> print(repr(fig))
InteractiveFigure('huber-demo': 1 control (delta), 3 frames)
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

import numpy as np

from ._loss import get_loss
from .optim import GradientDescent
from .training import train_step

__all__ = [
    "Control",
    "Line",
    "Scatter",
    "Panel",
    "Group",
    "InteractiveFigure",
    "loss_explorer",
    "outlier_figure",
    "threshold_figure",
    "learning_rate_figure",
    "read_html",
    "frame_of",
    "active_controls",
    "SIGNIFICANT_DIGITS",
]

#: Version of the page format (the JSON the site's loader reads).
SCHEMA = 1
#: Numbers are stored with this many significant digits.
SIGNIFICANT_DIGITS = 4
#: The CSS class of the figure's outer ``<div>``; the site's loader looks for it.
CSS_CLASS = "lossbook-interactive"
#: matplotlib's tab10, which is also Bokeh's Category10: the same colours in both.
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_DASHES = {"solid": "-", "dashed": "--", "dotted": ":", "dashdot": "-."}
_MARKERS = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D"}


def _check_name(value, what):
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(
            f"{what} must be a lower-case name of letters, digits, '_' and '-' starting with a "
            f"letter; got {value!r}."
        )
    return value


def _check_text(value, what, *, optional=False):
    if optional and value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string; got {value!r}.")
    return value


def _json_value(value):
    """A control value as JSON: None, a bool, a string, an int or a rounded float."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and math.isfinite(value):
        return _round(float(value))
    raise ValueError(f"control values must be None, str, bool or finite numbers; got {value!r}.")


def _round(value):
    """``value`` with SIGNIFICANT_DIGITS significant digits (shortest repr), or None for NaN."""
    if not math.isfinite(value):
        if math.isnan(value):
            return None
        raise ValueError(f"frame data must be finite or NaN (a gap); got {value!r}.")
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _column(values, what):
    """A data column as a list of JSON numbers: ints stay ints, floats are rounded."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be 1-D; got shape {arr.shape}.")
    if arr.dtype.kind in "iu":
        return [int(v) for v in arr]
    if arr.dtype.kind != "f":
        raise TypeError(f"{what} must hold numbers; got dtype {arr.dtype}.")
    return [_round(float(v)) for v in arr]


def _label(value):
    if value is None:
        return "none"
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Control:
    """A control of the figure: a slider over a grid of values, or a drop-down list.

    Parameters
    ----------
    name : str
        Identifier (lower case, digits, ``_``, ``-``), the key of the settings
        passed to a :class:`Group`'s ``compute``.
    label : str
        The visible label, which is also the control's accessible name.
    values : sequence
        The grid: numbers, strings or None. A slider steps through them in order
        (arrow keys move one step, Home and End to the ends).
    labels : sequence of str, optional
        How each value is shown; by default ``f"{value:g}"`` for numbers, the
        string itself, or ``"none"`` for None.
    initial : object, optional
        The value shown first (and in the static picture); by default the first.
    kind : {"slider", "select"}, default "slider"
    when : mapping of str to sequence, optional
        Show (and use) this control only while each named control has one of
        the given values, e.g. ``{"loss": ["huber"]}``.
    """

    name: str
    label: str
    values: Sequence
    labels: Sequence[str] | None = None
    initial: object = None
    kind: str = "slider"
    when: Mapping[str, Sequence] | None = None

    def __post_init__(self):
        _check_name(self.name, "Control name")
        _check_text(self.label, f"the label of control {self.name!r}")
        values = tuple(_json_value(v) for v in self.values)
        if not values:
            raise ValueError(f"control {self.name!r} needs at least one value.")
        if len(set(map(json.dumps, values))) != len(values):
            raise ValueError(f"the values of control {self.name!r} must be distinct; got {values!r}.")
        labels = tuple(_label(v) for v in self.values) if self.labels is None else tuple(self.labels)
        if len(labels) != len(values) or not all(isinstance(s, str) and s for s in labels):
            raise ValueError(
                f"labels of control {self.name!r} must be {len(values)} non-empty strings; got {self.labels!r}."
            )
        if self.kind not in ("slider", "select"):
            raise ValueError(
                f"kind of control {self.name!r} must be 'slider' or 'select'; got {self.kind!r}."
            )
        initial = values[0] if self.initial is None and None not in values else _json_value(self.initial)
        if initial not in values:
            raise ValueError(
                f"initial value of control {self.name!r} must be one of {values!r}; got {self.initial!r}."
            )
        when = {}
        for other, allowed in (self.when or {}).items():
            when[_check_name(other, "a name in `when`")] = tuple(_json_value(v) for v in allowed)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "initial", initial)
        object.__setattr__(self, "when", when)

    @property
    def initial_index(self):
        return self.values.index(self.initial)

    def spec(self):
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "values": list(self.values),
            "labels": list(self.labels or ()),
            "initial": self.initial_index,
            "when": {k: list(v) for k, v in (self.when or {}).items()},
        }


@dataclass(frozen=True)
class Line:
    """A line through the columns ``x`` and ``y`` of the data source ``source``."""

    source: str
    x: str
    y: str
    label: str | None = None
    color: str = COLORS[0]
    dash: str = "solid"
    width: float = 2.0

    def __post_init__(self):
        if self.dash not in _DASHES:
            raise ValueError(f"dash must be one of {sorted(_DASHES)}; got {self.dash!r}.")


@dataclass(frozen=True)
class Scatter:
    """Markers at the rows of the columns ``x`` and ``y`` of the data source ``source``."""

    source: str
    x: str
    y: str
    label: str | None = None
    color: str = COLORS[0]
    size: float = 8.0
    marker: str = "circle"
    filled: bool = True

    def __post_init__(self):
        if self.marker not in _MARKERS:
            raise ValueError(f"marker must be one of {sorted(_MARKERS)}; got {self.marker!r}.")


@dataclass(frozen=True)
class Panel:
    """One plot of the figure: its layers (:class:`Line`, :class:`Scatter`) and axes.

    ``x_range`` and ``y_range`` fix the axes (``(low, high)``); left out, an axis
    fits the data of the current setting.
    """

    layers: Sequence
    x_label: str = ""
    y_label: str = ""
    title: str = ""
    x_range: tuple | None = None
    y_range: tuple | None = None
    y_log: bool = False
    legend: str | None = "top_left"

    def __post_init__(self):
        layers = tuple(self.layers)
        if not layers or not all(isinstance(layer, (Line, Scatter)) for layer in layers):
            raise ValueError("a Panel needs a non-empty sequence of Line and Scatter layers.")
        object.__setattr__(self, "layers", layers)
        for name in ("x_range", "y_range"):
            value = getattr(self, name)
            if value is not None:
                low, high = (float(v) for v in value)
                if not low < high or (name == "y_range" and self.y_log and low <= 0):
                    raise ValueError(
                        f"{name} must be (low, high) with low < high (> 0 on a log axis); got {value!r}."
                    )
                object.__setattr__(self, name, (low, high))


@dataclass(frozen=True)
class Group:
    """Frames that depend on some of the controls.

    Parameters
    ----------
    controls : sequence of str
        The controls the frames depend on.
    compute : callable
        ``compute(settings)`` gets a dict ``{control name: value}`` of the
        controls above that are in use at that setting, and returns the frame:
        ``{"data": {source: {column: array}}, "text": {name: str}}`` (either
        part may be left out) and, optionally, ``"rounding_sensitive": True``
        when its numbers depend on the last bits of the arithmetic.
    """

    controls: Sequence[str]
    compute: Callable[[dict], Mapping]

    def __post_init__(self):
        object.__setattr__(
            self, "controls", tuple(_check_name(c, "a Group's control") for c in self.controls)
        )
        if not callable(self.compute):
            raise TypeError(f"compute must be a callable taking the settings; got {self.compute!r}.")


@dataclass
class _Frames:
    controls: tuple
    frames: dict = field(default_factory=dict)
    sensitive: set = field(default_factory=set)


class InteractiveFigure:
    """A figure with controls whose every setting was computed in advance.

    Parameters
    ----------
    name : str
        The figure's identifier (``loss-explorer``); unique on its page.
    controls : sequence of Control
    panels : sequence of Panel
        Drawn side by side.
    groups : sequence of Group
        Where the frames come from; every data column that changes with the
        controls comes from one of them.
    alt : str
        Alt text: what the figure shows, for readers who cannot see it.
    sources : mapping, optional
        ``{source: {column: array}}``: columns that never change (a fixed
        ``x`` grid, the data points). A frame's columns are added to these.
    texts : sequence of str, optional
        Names of the lines of text under the plot, in order; frames fill them in.
    height : int, default 300
        Height of each panel in pixels on the website (the width follows the page).

    Examples
    --------
    See the module's documentation.
    """

    def __init__(self, name, *, controls, panels, groups, alt, sources=None, texts=(), height=300):
        self.name = _check_name(name, "name")
        self.alt = _check_text(alt, "alt")
        self.controls = tuple(controls)
        if not self.controls or not all(isinstance(c, Control) for c in self.controls):
            raise ValueError("controls must be a non-empty sequence of Control.")
        self._by_name = {c.name: c for c in self.controls}
        if len(self._by_name) != len(self.controls):
            raise ValueError("control names must be distinct.")
        for c in self.controls:
            for other, allowed in c.when.items():
                if other not in self._by_name or other == c.name:
                    raise ValueError(f"control {c.name!r}: `when` names an unknown control {other!r}.")
                unknown = set(map(json.dumps, allowed)) - set(map(json.dumps, self._by_name[other].values))
                if unknown:
                    raise ValueError(
                        f"control {c.name!r}: `when` has values {sorted(unknown)} that {other!r} never takes."
                    )
        self._ordered = self._dependency_order()
        self.panels = tuple(panels)
        if not self.panels or not all(isinstance(p, Panel) for p in self.panels):
            raise ValueError("panels must be a non-empty sequence of Panel.")
        self.texts = tuple(_check_name(t, "a text name") for t in texts)
        if not isinstance(height, numbers.Integral) or not 100 <= int(height) <= 1200:
            raise ValueError(f"height must be an int from 100 to 1200 pixels; got {height!r}.")
        self.height = int(height)
        self.sources = {
            _check_name(src, "a source name"): {
                col: _column(v, f"sources[{src!r}][{col!r}]") for col, v in cols.items()
            }
            for src, cols in (sources or {}).items()
        }
        self.groups = []
        for group in groups:
            if not isinstance(group, Group):
                raise TypeError(f"groups must hold Group objects; got {group!r}.")
            for c in group.controls:
                if c not in self._by_name:
                    raise ValueError(f"a Group depends on an unknown control {c!r}.")
            self.groups.append(self._compute(group))
        if not self.groups:
            raise ValueError("an interactive figure needs at least one Group of frames.")
        for group in self.groups:
            if self._key(group.controls, self._initial_state()) in group.sensitive:
                raise ValueError(
                    f"the frame of the initial setting ({self._setting_text()}) is rounding-sensitive: choose a "
                    "stable initial setting, since the static picture and the page's first view show it."
                )
        self._check_layers()

    # -- settings and frames --------------------------------------------------

    def _active(self, name, state):
        """Whether control ``name`` is in use when the controls have the indices ``state``."""
        control = self._by_name[name]
        return all(
            state[other] is not None
            and self._by_name[other].values[state[other]] in allowed
            and self._active(other, state)
            for other, allowed in control.when.items()
        )

    def _dependency_order(self):
        """The controls, each after the controls its `when` names."""
        ordered: list[Control] = []
        placed: set[str] = set()
        pending = list(self.controls)
        while pending:
            ready = [c for c in pending if set(c.when) <= placed]
            if not ready:
                raise ValueError(
                    f"the `when` of controls {[c.name for c in pending]} depend on each other in a cycle."
                )
            for c in ready:
                ordered.append(c)
                placed.add(c.name)
            pending = [c for c in pending if c.name not in placed]
        return ordered

    def _key(self, controls, state):
        return "&".join(f"{c}={state[c]}" for c in controls if self._active(c, state))

    def _states(self, controls):
        """Every reachable combination of indices of ``controls`` (and of the controls they
        depend on), with None for a control not in use, found depth first."""
        needed, todo = set(), list(controls)
        while todo:
            c = todo.pop()
            if c not in needed:
                needed.add(c)
                todo.extend(self._by_name[c].when)
        names = [c.name for c in self._ordered if c.name in needed]

        def extend(state, rest):
            if not rest:
                yield dict(state)
                return
            name, rest = rest[0], rest[1:]
            if self._active(name, state):
                for index in range(len(self._by_name[name].values)):
                    state[name] = index
                    yield from extend(state, rest)
            else:
                state[name] = None
                yield from extend(state, rest)
            del state[name]

        yield from extend({}, names)

    def _compute(self, group):
        frames = _Frames(group.controls)
        for state in self._states(group.controls):
            key = self._key(group.controls, state)
            if key in frames.frames:
                continue
            settings = {
                c: self._by_name[c].values[state[c]] for c in group.controls if self._active(c, state)
            }
            raw = group.compute(dict(settings))
            if not isinstance(raw, Mapping) or set(raw) - {"data", "text", "rounding_sensitive"}:
                raise ValueError(
                    "compute must return a dict with the keys 'data', 'text' and optionally "
                    f"'rounding_sensitive'; got {raw!r:.200} for the settings {settings}."
                )
            frame = {}
            if raw.get("data"):
                frame["data"] = {
                    _check_name(src, "a source name"): {
                        col: _column(v, f"the frame's {src}.{col} at {settings}") for col, v in cols.items()
                    }
                    for src, cols in raw["data"].items()
                }
            if raw.get("text"):
                unknown = set(raw["text"]) - set(self.texts)
                if unknown:
                    raise ValueError(
                        f"frame text {sorted(unknown)} is not among the figure's texts {self.texts}."
                    )
                frame["text"] = {k: _check_text(v, f"text {k!r}") for k, v in raw["text"].items()}
            frames.frames[key] = frame
            if raw.get("rounding_sensitive"):
                frames.sensitive.add(key)
        return frames

    def _initial_state(self):
        return {c.name: c.initial_index for c in self.controls}

    def _state(self, settings):
        state = self._initial_state()
        for name, value in (settings or {}).items():
            if name not in self._by_name:
                raise ValueError(f"unknown control {name!r}; the controls are {list(self._by_name)}.")
            value = _json_value(value)
            if value not in self._by_name[name].values:
                raise ValueError(
                    f"{value!r} is not a value of control {name!r}: {self._by_name[name].values!r}."
                )
            state[name] = self._by_name[name].values.index(value)
        return state

    def frame(self, settings=None):
        """The merged frame (``{"data": ..., "text": ...}``) at ``settings``.

        ``settings`` maps control names to values; controls left out keep their
        initial value. This is what the page shows at that setting.
        """
        state = self._state(settings)
        data = {src: dict(cols) for src, cols in self.sources.items()}
        text = {}
        for group in self.groups:
            frame = group.frames[self._key(group.controls, state)]
            for src, cols in frame.get("data", {}).items():
                data.setdefault(src, {}).update(cols)
            text.update(frame.get("text", {}))
        return {"data": data, "text": text}

    @property
    def n_frames(self):
        return sum(len(g.frames) for g in self.groups)

    def _check_layers(self):
        """Every column a layer draws exists, with equal lengths per source, in every frame."""
        for group in self.groups:
            for frame in group.frames.values():
                for src, cols in frame.get("data", {}).items():
                    merged = {**self.sources.get(src, {}), **cols}
                    if len({len(v) for v in merged.values()}) > 1:
                        lengths = {k: len(v) for k, v in merged.items()}
                        raise ValueError(
                            f"the columns of source {src!r} differ in length in a frame: {lengths}."
                        )
        initial = self.frame()["data"]
        for panel in self.panels:
            for layer in panel.layers:
                cols = initial.get(layer.source)
                if cols is None or layer.x not in cols or layer.y not in cols:
                    raise ValueError(
                        f"a layer draws {layer.source}.{layer.x} against {layer.source}.{layer.y}, which the "
                        "figure's sources and frames do not provide."
                    )

    # -- output ------------------------------------------------------------------

    def spec(self):
        """The JSON-able description the page's loader reads (frames not rounding-sensitive)."""
        return {
            "schema": SCHEMA,
            "name": self.name,
            "alt": self.alt,
            "controls": [c.spec() for c in self.controls],
            "texts": list(self.texts),
            "sources": self.sources,
            "groups": [
                {
                    "controls": list(g.controls),
                    "frames": {k: f for k, f in g.frames.items() if k not in g.sensitive},
                }
                for g in self.groups
            ],
            "bokeh": self.bokeh_json(),
        }

    def sensitive_spec(self):
        """The rounding-sensitive frames, by group index (None if there are none)."""
        groups = {
            str(i): {k: g.frames[k] for k in sorted(g.sensitive)}
            for i, g in enumerate(self.groups)
            if g.sensitive
        }
        return {"groups": groups} if groups else None

    def bokeh_layout(self):
        """The Bokeh layout at the initial setting (imports Bokeh)."""
        try:
            from bokeh.layouts import row
            from bokeh.models import ColumnDataSource, HoverTool, Range1d
            from bokeh.plotting import figure
        except ImportError as exc:  # pragma: no cover - bokeh is in requirements.txt
            raise ImportError("interactive figures need Bokeh: pip install bokeh") from exc

        data = self.frame()["data"]
        sources = {
            src: ColumnDataSource(
                data={c: [np.nan if v is None else v for v in col] for c, col in cols.items()}, name=src
            )
            for src, cols in data.items()
        }
        plots = []
        for i, panel in enumerate(self.panels):
            options: dict[str, Any] = {}
            if panel.x_range is not None:
                options["x_range"] = Range1d(*panel.x_range)
            if panel.y_range is not None:
                options["y_range"] = Range1d(*panel.y_range)
            p = figure(
                height=self.height,
                sizing_mode="stretch_width",
                min_width=240,
                title=panel.title or None,
                x_axis_label=panel.x_label,
                y_axis_label=panel.y_label,
                y_axis_type="log" if panel.y_log else "linear",
                tools="pan,box_zoom,wheel_zoom,reset,save",
                active_scroll=None,
                toolbar_location="above",
                name=f"panel-{i}",
                **options,
            )
            p.toolbar.logo = None
            for layer in panel.layers:
                legend = {"legend_label": layer.label} if layer.label and panel.legend else {}
                renderer: Any
                if isinstance(layer, Line):
                    renderer = p.line(
                        layer.x,
                        layer.y,
                        source=sources[layer.source],
                        color=layer.color,
                        line_dash=layer.dash,
                        line_width=layer.width,
                        **legend,
                    )
                else:
                    renderer = p.scatter(
                        layer.x,
                        layer.y,
                        source=sources[layer.source],
                        marker=layer.marker,
                        size=layer.size,
                        line_color=layer.color,
                        fill_color=layer.color if layer.filled else None,
                        **legend,
                    )
                p.add_tools(
                    HoverTool(
                        renderers=[renderer],
                        tooltips=[
                            (panel.x_label or layer.x, f"@{{{layer.x}}}{{0.000}}"),
                            (layer.label or panel.y_label or layer.y, f"@{{{layer.y}}}{{0.000}}"),
                        ],
                    )
                )
            if panel.legend and any(layer.label for layer in panel.layers):
                p.legend.location = panel.legend
                p.legend.click_policy = "hide"
                p.legend.background_fill_alpha = 0.7
            plots.append(p)
        return plots[0] if len(plots) == 1 else row(*plots, sizing_mode="stretch_width")

    def bokeh_json(self):
        """Bokeh's ``json_item`` of the layout, with ids renumbered ``NAME-1``, ``NAME-2``, ...

        Bokeh numbers its models with a counter shared by the whole Python
        process; renumbering makes the output the same whatever ran before.
        """
        from bokeh.embed import json_item

        item = json_item(self.bokeh_layout())
        ids: dict[str, str] = {}

        def rename(value):
            if value not in ids:
                ids[value] = f"{self.name}-{len(ids) + 1}"
            return ids[value]

        def walk(node):
            if isinstance(node, dict):
                return {
                    k: rename(v) if k in ("id", "root_id") and isinstance(v, str) else walk(v)
                    for k, v in node.items()
                }
            if isinstance(node, list):
                return [walk(v) for v in node]
            return node

        return walk(item)

    def static_png(self, dpi=100):
        """The figure at its initial setting as PNG bytes, drawn by matplotlib (no pyplot)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        data = self.frame()["data"]
        n = len(self.panels)
        fig = Figure(figsize=(4.2 * n if n > 1 else 7.0, self.height / 75.0), dpi=dpi, layout="tight")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, n, squeeze=False)[0]
        for ax, panel in zip(axes, self.panels):
            for layer in panel.layers:
                cols = data[layer.source]
                x = np.array([np.nan if v is None else v for v in cols[layer.x]], dtype=float)
                y = np.array([np.nan if v is None else v for v in cols[layer.y]], dtype=float)
                if isinstance(layer, Line):
                    ax.plot(
                        x,
                        y,
                        color=layer.color,
                        linestyle=_DASHES[layer.dash],
                        linewidth=layer.width * 0.75,
                        label=layer.label,
                    )
                else:
                    ax.scatter(
                        x,
                        y,
                        s=layer.size**2 * 0.5,
                        marker=_MARKERS[layer.marker],
                        edgecolors=layer.color,
                        facecolors=layer.color if layer.filled else "none",
                        label=layer.label,
                        zorder=3,
                    )
            if panel.y_log:
                ax.set_yscale("log")
            if panel.x_range:
                ax.set_xlim(panel.x_range)
            if panel.y_range:
                ax.set_ylim(panel.y_range)
            ax.set(xlabel=panel.x_label, ylabel=panel.y_label)
            if panel.title:
                ax.set_title(panel.title, fontsize=10)
            ax.grid(alpha=0.3)
            if panel.legend and any(layer.label for layer in panel.layers):
                ax.legend(
                    fontsize=8,
                    loc=panel.legend.replace("_", " ").replace("top", "upper").replace("bottom", "lower"),
                )
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()

    def _setting_text(self):
        state = self._initial_state()
        parts = [
            f"{c.label} = {c.labels[state[c.name]]}" for c in self.controls if self._active(c.name, state)
        ]
        return "; ".join(parts)

    def to_html(self, png=None):
        """The figure's ``text/html`` output (see the module's documentation)."""
        png = self.static_png() if png is None else png
        text = self.frame()["text"]
        import bokeh

        parts = [
            f'<div class="{CSS_CLASS}" data-name="{self.name}" data-schema="{SCHEMA}" data-bokeh="{bokeh.__version__}">',
            f'<img class="{CSS_CLASS}-static" src="data:image/png;base64,{base64.b64encode(png).decode()}" '
            f'alt="{html.escape(self.alt)}">',
        ]
        parts += [
            f'<p class="{CSS_CLASS}-text" data-text="{name}">{html.escape(text.get(name, ""))}</p>'
            for name in self.texts
        ]
        parts.append(
            f'<p class="{CSS_CLASS}-note">Setting shown: {html.escape(self._setting_text())}. '
            "On the book's website this figure has controls to move.</p>"
        )
        parts.append(
            f'<script type="application/json" class="{CSS_CLASS}-data">{_script_json(self.spec())}</script>'
        )
        sensitive = self.sensitive_spec()
        if sensitive:
            parts.append(
                f'<script type="application/json" class="{CSS_CLASS}-data" data-rounding-sensitive="true">'
                f"{_script_json(sensitive)}</script>"
            )
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_mimebundle_(self, include=None, exclude=None):
        png = self.static_png()
        return {
            "text/html": self.to_html(png),
            "image/png": base64.b64encode(png).decode(),
            "text/plain": repr(self),
        }

    def __repr__(self):
        names = ", ".join(c.name for c in self.controls)
        n = len(self.controls)
        return f"InteractiveFigure({self.name!r}: {n} control{'s' if n > 1 else ''} ({names}), {self.n_frames} frames)"


def _script_json(obj):
    """JSON safe inside ``<script>``: no ``<``, ``>`` or ``&`` that could end the element."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def read_html(html_text):
    """The figures in an HTML string: a list of ``(spec, sensitive_spec or None)``.

    The inverse of :meth:`InteractiveFigure.to_html`'s data blocks, for tests
    and for the site's build checks.
    """
    pattern = re.compile(
        r'<script type="application/json" class="'
        + CSS_CLASS
        + r'-data"( data-rounding-sensitive="true")?>(.*?)</script>',
        re.DOTALL,
    )
    figures: list[tuple[dict, dict | None]] = []
    for sensitive, text in pattern.findall(html_text):
        obj = json.loads(text)
        if sensitive:
            if not figures or figures[-1][1] is not None:
                raise ValueError("a rounding-sensitive data block without its figure.")
            figures[-1] = (figures[-1][0], obj)
        else:
            figures.append((obj, None))
    return figures


def active_controls(spec, state):
    """The names of the controls in use (shown) at control indices ``state``, in order.

    ``spec`` is a figure read by :func:`read_html`; ``state`` maps control names to
    indices (missing ones: the initial index).
    """
    controls = {c["name"]: c for c in spec["controls"]}
    full = {name: c["initial"] for name, c in controls.items()}
    full.update(state)

    def active(name):
        return all(
            controls[other]["values"][full[other]] in allowed and active(other)
            for other, allowed in controls[name]["when"].items()
        )

    return [name for name in controls if active(name)]


def frame_of(spec, sensitive, state):
    """The merged frame of a figure read by :func:`read_html`, at control indices ``state``.

    ``state`` maps control names to indices (missing ones: the initial index).
    This is the page loader's lookup, written in Python for the tests.
    """
    full = {c["name"]: c["initial"] for c in spec["controls"]}
    full.update(state)
    in_use = set(active_controls(spec, full))

    def active(name):
        return name in in_use

    data = {src: dict(cols) for src, cols in spec["sources"].items()}
    text = {}
    for i, group in enumerate(spec["groups"]):
        key = "&".join(f"{c}={full[c]}" for c in group["controls"] if active(c))
        frames = dict(group["frames"])
        if sensitive:
            frames.update(sensitive["groups"].get(str(i), {}))
        frame = frames[key]
        for src, cols in frame.get("data", {}).items():
            data.setdefault(src, {}).update(cols)
        text.update(frame.get("text", {}))
    return {"data": data, "text": text}


# ---------------------------------------------------------------------------
# The book's four figures
# ---------------------------------------------------------------------------

#: Display symbols of loss options, for the explorer's slider labels.
OPTION_SYMBOLS = {"delta": "δ", "quantile": "τ", "gamma": "γ", "alpha": "α", "label_smoothing": "ε"}


def _default_explorer_entries():
    return [
        ("MSE", "mse", {}),
        ("MAE", "mae", {}),
        ("Huber", "huber", {"delta": (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)}),
        ("log-cosh", "log_cosh", {}),
        ("Quantile (pinball)", "quantile", {"quantile": (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)}),
        ("Binary cross-entropy", "binary_cross_entropy_with_logits", {}),
        ("Hinge", "hinge", {}),
        (
            "Sigmoid focal",
            "sigmoid_focal",
            {"gamma": (0.0, 0.5, 1.0, 2.0, 5.0), "alpha": (None, 0.25, 0.5, 0.75)},
        ),
        (
            "Label smoothing (softmax CE)",
            "softmax_cross_entropy",
            {"label_smoothing": (0.0, 0.05, 0.1, 0.2, 0.3)},
        ),
    ]


def _explorer_curves(loss, x, options):
    """The loss of one example and its derivative at every point of ``x``, by lossbook.

    Regression losses (``input == "prediction"``): target 0, prediction ``x``,
    so ``x`` is the error. Binary losses on logits or decision values: target
    1 (a positive example), score ``x``. Multi-class losses on logits: two
    classes, logits ``(x, 0)`` and true class 0, so ``x`` is the margin of the
    true class; the derivative is with respect to its logit.
    """
    if loss.input == "prediction":
        y_true, y_pred = np.zeros_like(x), x
    elif loss.input in ("logit", "decision") and not loss.per_sample:
        y_true, y_pred = np.ones_like(x), x
    elif loss.input == "logit" and loss.per_sample:
        y_true, y_pred = np.zeros(len(x), dtype=int), np.column_stack([x, np.zeros_like(x)])
    else:
        raise ValueError(
            f"the explorer draws losses of predictions, logits or decision values; {loss.name} takes "
            f"{loss.input}s (use its logit form, e.g. binary_cross_entropy_with_logits)."
        )
    value, grad = loss.value_and_gradient(y_true, y_pred, reduction="none", **options)
    if grad.ndim == 2:
        grad = grad[:, 0]
    return value, grad


def loss_explorer(entries=None, *, x=None, name="loss-explorer", alt=None, initial="huber"):
    """The loss explorer (chapter 6): pick a loss, move its options, see value and derivative.

    Left, the loss of one example; right, its derivative with respect to the
    prediction (the gradient the loss sends back). The x axis is the error
    ``e = ŷ - y`` for regression losses and the logit (or decision value, or the
    true class's logit margin) of a positive example for classification
    losses; the MSE or the binary cross-entropy is drawn dashed for reference.

    Parameters
    ----------
    entries : sequence of (label, loss, grids), optional
        The losses offered: a display label, a loss name or object (a reader's
        own from :func:`lossbook.make_loss` too), and ``{option: values}``, the
        grid of each option given a slider. By default: MSE, MAE, Huber (δ),
        log-cosh, quantile (τ), binary cross-entropy, hinge, sigmoid focal (γ
        and α) and softmax cross-entropy with label smoothing (ε).
    x : array-like, optional
        The error or logit grid; by default 101 points from -4 to 4.
    name : str, default "loss-explorer"
    alt : str, optional
        Alt text; by default a description of the two panels.
    initial : str, default "huber"
        The loss shown first (its loss name, as in ``lb.get_loss``).

    Returns
    -------
    InteractiveFigure

    Examples
    --------
    >>> from lossbook.interactive import loss_explorer
    >>> fig = loss_explorer([("MSE", "mse", {}), ("Huber", "huber", {"delta": [0.5, 1.0]})])
    >>> fig.frame({"loss": "huber", "huber_delta": 0.5})["data"]["curve"]["grad"][:3]
    [-0.5, -0.5, -0.5]
    """
    entries = _default_explorer_entries() if entries is None else list(entries)
    x = np.linspace(-4.0, 4.0, 101) if x is None else np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a finite 1-D grid of at least 2 points; got shape {x.shape}.")
    if not entries:
        raise ValueError("entries must name at least one loss.")
    losses: list[Any] = []
    labels: list[str] = []
    ids: list[str] = []
    option_controls: list[Control] = []
    for entry in entries:
        try:
            label, loss, grids = entry
        except (TypeError, ValueError):
            raise ValueError(
                f"each entry must be (label, loss, {{option: values}}); got {entry!r}."
            ) from None
        loss = get_loss(loss)
        _explorer_curves(loss, x[:2], {})  # refuses losses of probabilities early
        loss_id = loss.name if loss.name not in ids else f"{loss.name}_{len(ids)}"
        ids.append(loss_id)
        losses.append(loss)
        labels.append(_check_text(label, "an entry's label"))
        for option, values in dict(grids).items():
            if option not in loss.options:
                raise ValueError(f"{loss.name} has no option {option!r}; its options: {list(loss.options)}.")
            default = loss.options[option].default
            option_controls.append(
                Control(
                    f"{loss_id}_{option}",
                    f"{label}: {OPTION_SYMBOLS.get(option, option)} ({option.replace('_', ' ')})",
                    values=values,
                    initial=default if default in tuple(values) else list(values)[len(values) // 2],
                    when={"loss": [loss_id]},
                )
            )
    if initial not in ids:
        initial = ids[0]
    by_id = dict(zip(ids, zip(losses, labels)))
    reference = {True: get_loss("mse"), False: get_loss("binary_cross_entropy_with_logits")}

    def curve(settings):
        loss_id = settings["loss"]
        loss, label = by_id[loss_id]
        options = {k[len(loss_id) + 1 :]: v for k, v in settings.items() if k != "loss"}
        value, grad = _explorer_curves(loss, x, options)
        shown = ", ".join(f"{OPTION_SYMBOLS.get(k, k)} = {_label(v)}" for k, v in options.items())
        regression = loss.input == "prediction"
        against = (
            "the error e = ŷ − y"
            if regression
            else "the logit margin z of the true class"
            if loss.per_sample
            else "the score z of a positive example (y = 1)"
        )
        ref_name = "mean squared error" if regression else "binary cross-entropy with logits"
        return {
            "data": {"curve": {"loss": value, "grad": grad}},
            "text": {
                "description": f"{label}{f' with {shown}' if shown else ''}, against {against}. "
                f"Dashed: the {ref_name}, for reference."
            },
        }

    def ref(settings):
        loss, _ = by_id[settings["loss"]]
        value, grad = _explorer_curves(reference[loss.input == "prediction"], x, {})
        return {"data": {"reference": {"loss": value, "grad": grad}}}

    loss_control = Control("loss", "Loss", values=ids, labels=labels, initial=initial, kind="select")
    x_label = "error ŷ − y, or score z"
    panels = [
        Panel(
            [
                Line("reference", "x", "loss", "reference", color=COLORS[7], dash="dashed"),
                Line("curve", "x", "loss", "selected loss", color=COLORS[0]),
            ],
            x_label=x_label,
            y_label="loss of one example",
            title="loss",
            x_range=(float(x[0]), float(x[-1])),
            y_range=(-0.3, 8.0),
            legend=None,
        ),
        Panel(
            [
                Line("reference", "x", "grad", "reference", color=COLORS[7], dash="dashed"),
                Line("curve", "x", "grad", "selected loss", color=COLORS[1]),
            ],
            x_label=x_label,
            y_label="derivative d loss / d ŷ (or d z)",
            title="gradient",
            x_range=(float(x[0]), float(x[-1])),
            y_range=(-4.5, 4.5),
            legend="bottom_right",
        ),
    ]
    if alt is None:
        alt = (
            "Two line charts side by side. Left: the loss of one example against the error (regression "
            "losses) or the score of a positive example (classification losses), for the selected loss "
            "and its options, with the mean squared error or the binary cross-entropy dashed for "
            "reference. Right: the derivative of the same loss, which is the gradient it sends back."
        )
    return InteractiveFigure(
        name,
        controls=[loss_control, *option_controls],
        panels=panels,
        sources={"curve": {"x": x}, "reference": {"x": x}},
        groups=[Group(["loss", *(c.name for c in option_controls)], curve), Group(["loss"], ref)],
        texts=["description"],
        alt=alt,
    )


def _check_grid(values, what, *, low=None, high=None):
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 2 or not np.all(np.isfinite(values)):
        raise ValueError(f"{what} must be a finite 1-D grid of at least 2 values; got {values!r}.")
    if low is not None and np.any(values <= low) or high is not None and np.any(values >= high):
        raise ValueError(f"{what} must lie strictly between {low} and {high}; got {values!r}.")
    return values


def outlier_figure(
    X, y, *, index=None, shifts=None, losses=None, estimator=None, name="outlier", alt=None, initial=0.0
):
    """The outlier (chapter 3): move one point's height; the lines fitted with each loss follow.

    For every shift of the point's ``y`` on the grid, a line is fitted with each
    loss (by default ``lb.LossRegressor(loss, hidden_layer_sizes=(),
    random_state=0)``, so ``len(shifts) * len(losses)`` fits). The text under
    the plot gives each line's slope.

    Parameters
    ----------
    X : array-like of shape (n_samples, 1)
    y : array-like of shape (n_samples,)
    index : int, optional
        The point that moves; by default the one with the largest ``x``, which
        has the most leverage on the slope.
    shifts : array-like, optional
        What is added to that point's ``y``; by default 21 values from -30 to 30.
    losses : mapping of str to str or Loss, optional
        Legend label to loss; by default MSE, MAE and Huber.
    estimator : scikit-learn regressor with a ``loss`` parameter, optional
        Cloned for every fit, with its ``loss`` set.
    name, alt : str, optional
    initial : float, default 0.0
        The shift shown first.

    Returns
    -------
    InteractiveFigure
    """
    from sklearn.base import clone

    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or X.shape[1] != 1 or y.shape != (X.shape[0],) or X.shape[0] < 3:
        raise ValueError(f"X must have shape (n, 1) and y shape (n,), n >= 3; got {X.shape} and {y.shape}.")
    x = X[:, 0]
    index = int(np.argmax(x)) if index is None else int(index) % len(x)
    shifts = np.linspace(-30.0, 30.0, 21) if shifts is None else _check_grid(shifts, "shifts")
    losses = {"MSE": "mse", "MAE": "mae", "Huber": "huber"} if losses is None else dict(losses)
    if estimator is None:
        # The estimators need scikit-learn: loaded on first use, as lossbook's __init__ does.
        estimator = import_module("lossbook.estimators").LossRegressor(
            "mse", hidden_layer_sizes=(), random_state=0
        )
    x_line = np.linspace(x.min(), x.max(), 2)
    others = np.arange(len(x)) != index

    def fits(settings):
        y_moved = y.copy()
        y_moved[index] += settings["shift"]
        data: dict[str, dict[str, Any]] = {"moved": {"x": [x[index]], "y": [y_moved[index]]}}
        slopes = []
        for k, (label, loss) in enumerate(losses.items()):
            model = clone(estimator).set_params(loss=loss).fit(X, y_moved)
            y_line = model.predict(x_line.reshape(-1, 1))
            data[f"fit{k}"] = {"x": x_line, "y": y_line}
            slopes.append(f"{label} {(y_line[1] - y_line[0]) / (x_line[1] - x_line[0]):.2f}")
        return {"data": data, "text": {"slopes": "Slope of each fitted line: " + ", ".join(slopes) + "."}}

    dashes = ["solid", "dashed", "dotted", "dashdot"]
    layers: list[Line | Scatter] = [
        Scatter("points", "x", "y", "data", color=COLORS[7], size=6),
        Scatter("moved", "x", "y", "the point you move", color=COLORS[3], size=11, filled=False),
    ]
    layers += [
        Line(f"fit{k}", "x", "y", label, color=COLORS[k], dash=dashes[k % 4])
        for k, label in enumerate(losses)
    ]
    if alt is None:
        alt = (
            f"Scatter plot of {len(x)} points along a rising line, one of them circled in red, with the "
            f"lines fitted by {', '.join(losses)}. The circled point is shown at its own height; the slope "
            "of each line is written below the plot."
        )
    y_all = np.concatenate([y, y[index] + shifts])
    pad = 0.05 * (y_all.max() - y_all.min())
    return InteractiveFigure(
        name,
        controls=[
            Control(
                "shift",
                "Shift of the circled point's y",
                values=shifts,
                labels=[f"{s:+g}" for s in shifts],
                initial=initial,
            )
        ],
        panels=[
            Panel(
                layers,
                x_label="x",
                y_label="y",
                y_range=(y_all.min() - pad, y_all.max() + pad),
                x_range=(x.min() - 0.5, x.max() + 0.5),
            )
        ],
        sources={"points": {"x": x[others], "y": y[others]}},
        groups=[Group(["shift"], fits)],
        texts=["slopes"],
        alt=alt,
    )


def _pr_counts(y_true, scores, thresholds):
    """True positives, false positives and false negatives when predicting ``scores >= t``."""
    says_yes = scores[:, None] >= thresholds[None, :]
    has = (y_true == 1)[:, None]
    return (says_yes & has).sum(axis=0), (says_yes & ~has).sum(axis=0), (~says_yes & has).sum(axis=0)


def _precision_recall(tp, fp, fn):
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), np.nan)
        recall = tp / np.maximum(tp + fn, 1)
        f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    return precision, recall, f1


def threshold_figure(
    classifier, X, Y, *, label_names=None, thresholds=None, name="threshold", alt=None, initial=0.5
):
    """The threshold (chapter 5): move the decision threshold of a label; precision, recall, F1 follow.

    Left, the label's precision-recall curve (over every distinct probability
    the classifier gives) with the point of the current threshold; right, the
    precision, recall and F1 against the threshold, with the current one
    marked. A label is predicted when its probability is at least the
    threshold. When nothing is predicted, precision is undefined and not drawn.

    Parameters
    ----------
    classifier : fitted classifier with ``predict_proba``
        For multi-label targets, ``predict_proba(X)`` is ``(n_samples, n_labels)``
        (as :class:`lossbook.LossClassifier` returns); for a binary target, the
        column of the positive class is used.
    X : array-like of shape (n_samples, n_features)
        The examples to score (a validation or test set).
    Y : array-like of shape (n_samples, n_labels) or (n_samples,)
        Their 0/1 targets.
    label_names : sequence of str, optional
    thresholds : array-like, optional
        The grid of the slider, inside (0, 1); by default 0.01 to 0.99 in steps of 0.01.
    name, alt : str, optional
    initial : float, default 0.5

    Returns
    -------
    InteractiveFigure
    """
    Y = np.asarray(Y)
    P = np.asarray(classifier.predict_proba(X), dtype=float)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
        P = P[:, -1:] if P.ndim == 2 else P.reshape(-1, 1)
    if P.shape != Y.shape or not np.isin(Y, (0, 1)).all():
        raise ValueError(
            f"Y must be 0/1 targets shaped like predict_proba's output {P.shape}; got {Y.shape}."
        )
    n_labels = Y.shape[1]
    label_names = [f"label {j}" for j in range(n_labels)] if label_names is None else list(label_names)
    if len(label_names) != n_labels:
        raise ValueError(f"label_names must have {n_labels} names; got {len(label_names)}.")
    thresholds = (
        np.round(np.arange(0.01, 0.995, 0.01), 2)
        if thresholds is None
        else _check_grid(thresholds, "thresholds", low=0.0, high=1.0)
    )
    ids = [f"label{j}" for j in range(n_labels)]

    def curves(settings):
        j = ids.index(settings["label"])
        # Every distinct probability is a threshold where the curve can turn.
        cuts = np.unique(P[:, j])
        p_curve, r_curve, _ = _precision_recall(*_pr_counts(Y[:, j], P[:, j], cuts))
        p_grid, r_grid, f_grid = _precision_recall(*_pr_counts(Y[:, j], P[:, j], thresholds))
        return {
            "data": {
                "curve": {"recall": r_curve, "precision": p_curve},
                "scores": {"threshold": thresholds, "precision": p_grid, "recall": r_grid, "f1": f_grid},
            }
        }

    def point(settings):
        j, t = ids.index(settings["label"]), settings["threshold"]
        tp, fp, fn = (int(c[0]) for c in _pr_counts(Y[:, j], P[:, j], np.array([t])))
        precision, recall, f1 = (
            float(v[0]) for v in _precision_recall(np.array([tp]), np.array([fp]), np.array([fn]))
        )
        shown = "undefined (nothing predicted)" if np.isnan(precision) else f"{precision:.3f}"
        return {
            "data": {
                "point": {"recall": [recall], "precision": [precision]},
                "marker": {"threshold": [t, t], "y": [0.0, 1.0]},
            },
            "text": {
                "scores": f"{label_names[j]}, threshold {t:g}: precision {shown}, recall {recall:.3f}, "
                f"F1 {f1:.3f} ({tp} true positives, {fp} false positives, {fn} false negatives)."
            },
        }

    if alt is None:
        alt = (
            "Two charts. Left: the precision-recall curve of the selected label, precision against recall, "
            "with a dot at the current threshold. Right: precision, recall and F1 against the decision "
            "threshold from 0 to 1, with a vertical line at the current threshold. The scores at the "
            "threshold are written below."
        )
    panels = [
        Panel(
            [
                Line("curve", "recall", "precision", "precision-recall curve", color=COLORS[0]),
                Scatter("point", "recall", "precision", "at the threshold", color=COLORS[3], size=11),
            ],
            x_label="recall",
            y_label="precision",
            x_range=(-0.02, 1.02),
            y_range=(-0.02, 1.05),
            legend="bottom_left",
        ),
        Panel(
            [
                Line("scores", "threshold", "precision", "precision", color=COLORS[0]),
                Line("scores", "threshold", "recall", "recall", color=COLORS[1], dash="dashed"),
                Line("scores", "threshold", "f1", "F1", color=COLORS[2], dash="dotted"),
                Line("marker", "threshold", "y", None, color=COLORS[3], width=1.5),
            ],
            x_label="decision threshold",
            y_label="score",
            x_range=(0.0, 1.0),
            y_range=(-0.02, 1.05),
            legend="bottom_center",
        ),
    ]
    return InteractiveFigure(
        name,
        controls=[
            Control("label", "Label", values=ids, labels=label_names, kind="select"),
            Control("threshold", "Decision threshold", values=thresholds, initial=initial),
        ],
        panels=panels,
        groups=[Group(["label"], curves), Group(["label", "threshold"], point)],
        texts=["scores"],
        alt=alt,
    )


def _training_curve(make_model, X, y, learning_rate, loss, epochs, stop_above, nudge):
    model = make_model()
    if nudge:
        param = model.parameters()[0][0]
        param.flat[0] = np.nextafter(param.flat[0], np.inf)
    optimizer = GradientDescent(learning_rate)
    curve = []
    for _ in range(epochs):
        curve.append(float(train_step(model, loss, X, y, optimizer=optimizer)))
        if not curve[-1] <= stop_above:  # also stops on NaN
            break
    return np.array(curve)


def learning_rate_figure(
    make_model,
    X,
    y,
    learning_rates,
    *,
    loss="mse",
    epochs=500,
    stop_above=1e3,
    name="learning-rate",
    alt=None,
    initial=None,
    check_rounding=True,
):
    """The learning rate (chapter 2): move η; the training loss curve of that run follows.

    Each run trains a fresh ``make_model()`` by full-batch gradient descent
    (``lb.train_step`` with ``lb.GradientDescent(eta)``) for ``epochs`` steps, or
    until its loss passes ``stop_above`` (it diverged). The text under the plot
    says how the run ended.

    With ``check_rounding`` (the default) every run is repeated from initial
    weights changed in the last bit of one number. Where the two loss curves
    differ in their four stored digits, the run is chaotic: its curve depends on
    the last bits of the arithmetic (the CPU, the BLAS), so its frame is marked
    rounding-sensitive and the notebook tests do not compare it digit by digit.

    Parameters
    ----------
    make_model : callable
        Returns a new model with the same initial weights each time, e.g.
        ``lambda: lb.mlp(1, (16, 16), 1, activation="tanh", random_state=0)``.
    X, y : array-like
        The training data (one full batch).
    learning_rates : sequence of float
        The slider's grid, each > 0.
    loss : str or Loss, default "mse"
    epochs : int, default 500
    stop_above : float, default 1e3
    name, alt : str, optional
    initial : float, optional
        The learning rate shown first; by default the run that ends with the lowest
        loss among those that neither diverged nor are rounding-sensitive.
    check_rounding : bool, default True

    Returns
    -------
    InteractiveFigure
    """
    rates = _check_grid(learning_rates, "learning_rates", low=0.0)
    if not isinstance(epochs, numbers.Integral) or int(epochs) < 2:
        raise ValueError(f"epochs must be an int >= 2; got {epochs!r}.")
    epochs = int(epochs)
    if not callable(make_model):
        raise TypeError("make_model must be a callable returning a new model.")
    control = Control("eta", "Learning rate η", values=rates, initial=initial)
    runs = {}
    for eta in control.values:
        curve = _training_curve(make_model, X, y, eta, loss, epochs, stop_above, nudge=False)
        sensitive = False
        if check_rounding:
            other = _training_curve(make_model, X, y, eta, loss, epochs, stop_above, nudge=True)
            sensitive = len(other) != len(curve) or _column(other, "curve") != _column(curve, "curve")
        runs[eta] = (curve, sensitive)
    if initial is None:
        # The stable run that ends lowest.
        finished = [eta for eta, (curve, sensitive) in runs.items() if len(curve) == epochs and not sensitive]
        if finished:
            control = Control(
                "eta", control.label, values=rates, initial=min(finished, key=lambda e: runs[e][0][-1])
            )
    final_floor = 10.0

    def run(settings):
        eta = settings["eta"]
        curve, sensitive = runs[eta]
        if len(curve) < epochs or not np.isfinite(curve[-1]):
            text = f"η = {eta:g}: diverged, loss {curve[-1]:.3g} at epoch {len(curve)}; the run was stopped."
        else:
            spikes = len(curve) > 50 and curve[50:].max() > final_floor * curve[-1]
            text = (
                f"η = {eta:g}: loss {curve[-1]:.3g} after {epochs} epochs; "
                f"spikes above 10 times the final loss after epoch 50: {'yes' if spikes else 'no'}."
            )
            if sensitive:
                text += " This run is chaotic: the exact heights of its spikes depend on rounding."
        return {
            "data": {"curve": {"epoch": np.arange(1, len(curve) + 1), "loss": curve}},
            "text": {"outcome": text},
            "rounding_sensitive": sensitive,
        }

    if alt is None:
        alt = (
            "Line chart of the training loss, on a logarithmic axis, against the epoch, for the selected "
            "learning rate. Small rates fall slowly, a good rate falls quickly and smoothly, a large one "
            "falls with spikes, and a too large one shoots off the top within a few epochs."
        )
    return InteractiveFigure(
        name,
        controls=[control],
        panels=[
            Panel(
                [Line("curve", "epoch", "loss", None, color=COLORS[0])],
                x_label="epoch (one full-batch step each)",
                y_label="training loss",
                x_range=(0.0, float(epochs)),
                y_range=(5e-3, stop_above),
                y_log=True,
                legend=None,
            )
        ],
        groups=[Group(["eta"], run)],
        texts=["outcome"],
        alt=alt,
    )
