"""Chart builders: pure functions from tidy data to Vega-Lite (no Streamlit here).

Most are Altair charts; the dropout page's, drawn at every slider move, are Vega-Lite dicts (see NO_AXES).

Live charts keep a fixed spec (fixed x domain, canvas renderer, no ARIA marks), built once per setting without
data; the browser fills it from the live route (browser_spec).
"""
import functools
import json

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa

from core.views.palette import BLUE, DASHES, OKABE_ITO, SHAPES, VERMILLION

LIVE = {"embedOptions": {"renderer": "canvas"}}
KEPT, DROPPED = "#2b7bba", "#d9d9d9"  # also told apart by the 1 or 0 written in each cell
RUN_COLORS = list(OKABE_ITO)  # runs compared side by side: distinct colours, and dashes or shapes too


# The dropout page's charts are Vega-Lite specs written as dicts, their rows as Arrow tables in named datasets
# (st.vega_lite_chart sends them as they are): building them with Altair at every slider move would cost more
# than the rest of the page. The tests validate every spec against Vega-Lite's schema (with Altair), once.
NO_AXES = {"x": {"field": "col", "type": "ordinal", "axis": None},
           "y": {"field": "row", "type": "ordinal", "axis": None}}


def matrix_table(M, fmt="{:.3g}"):
    """A 2-D array as Arrow rows of (row, col, value, label)."""
    rows, cols = np.indices(M.shape)
    values = M.ravel().astype(float)
    return pa.table({"row": rows.ravel(), "col": cols.ravel(), "value": values,
                     "label": [fmt.format(v) for v in values]})


def _cells(table, title, shape, cell, layers):
    """A layered spec of one matrix's cells, `cell` pixels each."""
    return {"datasets": {"cells": table}, "data": {"name": "cells"}, "title": title,
            "width": cell * shape[1], "height": cell * shape[0], "encoding": NO_AXES, "layer": layers}


def heatmap(M, title, domain=None, scheme="blues", fmt="{:.3g}", cell=44):
    """A matrix as coloured cells with each value written in its cell."""
    values = M.ravel().astype(float)
    lo, hi = domain or (float(values.min()), float(values.max()) or 1.0)
    ink = np.where(values > lo + 0.6 * (hi - lo), "white", "black")  # readable on dark cells
    table = matrix_table(M, fmt).append_column("ink", pa.array(ink))
    rect = {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
            "encoding": {"color": {"field": "value", "type": "quantitative", "legend": None,
                                   "scale": {"scheme": scheme, "domain": [lo, hi]}},
                         "tooltip": [{"field": "row", "type": "ordinal"}, {"field": "col", "type": "ordinal"},
                                     {"field": "value", "type": "quantitative"}]}}
    text = {"mark": {"type": "text", "fontSize": 13},
            "encoding": {"text": {"field": "label", "type": "nominal"},
                         "fill": {"field": "ink", "type": "nominal", "scale": None}}}
    return _cells(table, title, M.shape, cell, [rect, text])


def mask_heatmap(mask, title, cell=44):
    """A keep/drop mask: kept cells (1) blue, dropped cells (0) grey."""
    state = np.where(mask.ravel() > 0, "kept", "dropped")
    table = matrix_table(mask.astype(float), "{:.0f}").append_column("state", pa.array(state))
    rect = {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
            "encoding": {"color": {"field": "state", "type": "nominal", "legend": None,
                                   "scale": {"domain": ["kept", "dropped"], "range": [KEPT, DROPPED]}}}}
    text = {"mark": {"type": "text", "fontSize": 13, "color": "black"},
            "encoding": {"text": {"field": "label", "type": "nominal"}}}
    return _cells(table, title, mask.shape, cell, [rect, text])


def convergence_chart(df):
    """Mean absolute error of the average of K dropout samples against K, log-log, with a 1/sqrt(K) guide.

    df: columns K, mae, series ('average of K draws' or 'c / sqrt(K)').
    """
    ks = [int(df.K.min()), int(df.K.max())]
    ticks = [4 ** i for i in range(12) if ks[0] <= 4 ** i <= ks[1]]  # 1, 4, 16, ...: one tick per factor 4
    legend = {"field": "series", "type": "nominal", "title": None, "legend": {"orient": "bottom"}}
    return {"datasets": {"errors": pa.Table.from_pandas(df[["K", "mae", "series"]], preserve_index=False)},
            "data": {"name": "errors"}, "height": 280, "mark": {"type": "line", "point": {"size": 20}},
            "encoding": {
                "x": {"field": "K", "type": "quantitative", "title": "draws averaged (K)",
                      "scale": {"type": "log", "domain": ks, "nice": False}, "axis": {"values": ticks, "format": ","}},
                "y": {"field": "mae", "type": "quantitative", "scale": {"type": "log"}, "title": "mean |average - input|"},
                "color": legend, "strokeDash": legend,  # one legend: the same field on both channels
                "tooltip": [{"field": "K", "type": "quantitative"}, {"field": "mae", "type": "quantitative", "format": ".4f"},
                            {"field": "series", "type": "nominal"}]}}


def network_chart(nodes, edges):
    """A small net drawn as circles and lines; nodes: x, y, state, layer, unit; edges: x, y, x2, y2, active."""
    states = ["input", "kept", "dropped", "output"]
    colors = ["#888888", BLUE, DROPPED, VERMILLION]
    shapes = ["square", "circle", "cross", "diamond"]  # a dropped unit is a cross, not only a paler dot
    lines = pa.Table.from_pandas(edges, preserve_index=False).append_column(
        "opacity", pa.array(np.where(edges.active.to_numpy(), 0.6, 0.06)))
    dots = pa.Table.from_pandas(nodes, preserve_index=False)
    return {"datasets": {"edges": lines, "nodes": dots}, "height": 260, "view": {"stroke": None}, "layer": [
        {"data": {"name": "edges"}, "mark": {"type": "rule", "color": "#555555", "aria": False},  # units speak, not lines
         "encoding": {"x": {"field": "x", "type": "quantitative", "axis": None}, "x2": {"field": "x2"},
                      "y": {"field": "y", "type": "quantitative", "axis": None}, "y2": {"field": "y2"},
                      "opacity": {"field": "opacity", "type": "quantitative", "scale": None}}},
        {"data": {"name": "nodes"}, "mark": {"type": "point", "filled": True, "size": 420, "stroke": "black", "strokeWidth": 1, "opacity": 1},
         "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"},
                      "color": {"field": "state", "type": "nominal", "legend": {"orient": "bottom", "title": None},
                                "scale": {"domain": states, "range": colors}},
                      "shape": {"field": "state", "type": "nominal", "legend": {"orient": "bottom", "title": None},
                                "scale": {"domain": states, "range": shapes}},
                      "tooltip": [{"field": "layer", "type": "nominal"}, {"field": "unit", "type": "quantitative"},
                                  {"field": "state", "type": "nominal"}]}}]}


def _chart(df):
    """A chart of df, or with no data yet (None): live_spec fills in the data at every redraw."""
    return alt.Chart() if df is None else alt.Chart(df)


def spec_without_data(chart):
    """A chart built without data as Vega-Lite JSON that takes the page's rows at every redraw.

    Altair marks a chart without data with an "empty" dataset: it is dropped, so the page's rows take its
    place. Fixed layers (a chance line, a paper's band) keep their own few rows, written inline.
    """
    spec = chart.to_dict()
    spec.pop("data", None)
    datasets = spec.pop("datasets", {})
    for layer in spec.get("layer", []):
        name = layer.get("data", {}).get("name")
        if name == "empty" or (name and name not in datasets):
            del layer["data"]
        elif name:
            layer["data"] = {"values": datasets[name]}
    return json.dumps(spec)


@functools.lru_cache(maxsize=512)
def _live_spec_json(kind, args):
    return spec_without_data({"loss": loss_chart, "accuracy": accuracy_chart}[kind](None, *args))


def live_spec(kind, *args):
    """The Vega-Lite spec of loss_chart or accuracy_chart without its data, built once per setting.

    Building and validating an Altair chart costs tens of milliseconds; a live page redraws twice a
    second for every student, so pages pass this fixed spec and the new rows to st.vega_lite_chart.
    """
    return json.loads(_live_spec_json(kind, tuple(tuple(a) if isinstance(a, list) else a for a in args)))


# Streamlit's own look for Vega-Lite charts (its light theme), for the charts the browser draws itself (the live
# runs component): the same fonts sizes, grey labels, no ticks or axis lines, titles at the start.
STREAMLIT_LOOK = {
    "font": "Source Sans, sans-serif", "background": "transparent", "autosize": {"type": "fit", "contains": "padding"},
    "view": {"stroke": "transparent", "strokeWidth": 0, "continuousHeight": 350},
    "title": {"anchor": "start", "color": "#31333F", "fontSize": 16, "fontWeight": 600, "offset": 12},
    "axis": {"labelFontSize": 12, "labelColor": "#808495", "labelFontWeight": 400, "titleFontSize": 14,
             "titleColor": "#808495", "titleFontWeight": 400, "ticks": False, "domain": False, "gridColor": "#e6eaf1",
             "labelPadding": 8, "titlePadding": 12, "labelFlush": True, "labelOverlap": True},
    "legend": {"labelFontSize": 14, "labelColor": "#808495", "titleFontSize": 14, "titleColor": "#808495",
               "titleFontWeight": 400, "padding": 8, "rowPadding": 4},
}


def browser_spec(kind, *args):
    """live_spec for a chart the browser fills itself: its rows in the dataset named "rows", the page's width,
    Streamlit's look."""
    spec = live_spec(kind, *args)
    spec["data"] = {"name": "rows"}
    spec["width"] = "container"
    config = spec.get("config", {})
    spec["config"] = {**STREAMLIT_LOOK, **config, "mark": {**STREAMLIT_LOOK.get("mark", {}), **config.get("mark", {})}}
    return spec


def _legend_toggle():
    return alt.selection_point(fields=["run"], bind="legend")


def _titled(title):
    """Chart properties for a title "text|subtitle" drawn by Vega itself (none for no title)."""
    if not title:
        return {}
    text, _, subtitle = title.partition("|")
    return {"title": alt.TitleParams(text, subtitle=subtitle, anchor="start", fontSize=14) if subtitle else
            alt.TitleParams(text, anchor="start", fontSize=14)}


def loss_chart(df, max_epoch, title=None):
    """Moving loss against epoch (fractional), one line per run; click a legend entry to highlight it.

    df: columns run, epoch, moving_loss. title: "text|subtitle", drawn inside the chart (one element less
    for a live page to send at every redraw).
    """
    pick = _legend_toggle()
    return _chart(df).mark_line(strokeWidth=2).encode(
        x=alt.X("epoch:Q", scale=alt.Scale(domain=[0, max_epoch]), title="epoch"),
        y=alt.Y("moving_loss:Q", title="moving loss", scale=alt.Scale(zero=True)),
        color=alt.Color("run:N", title="run (click to highlight)", legend=alt.Legend(orient="bottom", columns=1),
                        scale=alt.Scale(range=RUN_COLORS)),
        strokeDash=alt.StrokeDash("run:N", title="run (click to highlight)", scale=alt.Scale(range=list(DASHES)),
                                  legend=alt.Legend(orient="bottom", columns=1)),  # one legend with the colour
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.12)),
        tooltip=["run:N", alt.Tooltip("epoch:Q", format=".2f"), alt.Tooltip("moving_loss:Q", format=".4f")],
    ).add_params(pick).properties(height=320, usermeta=LIVE, **_titled(title)).configure_mark(aria=False)


def accuracy_chart(df, max_epoch, chance=None, y_title="accuracy", runs=None, title=None):
    """Train (solid) and test (dashed) accuracy per epoch, one colour per run; optional chance line.

    df: columns run, epoch (1-based), split ('train' or 'test'), accuracy. runs: all run names, in legend
    order, when known up front: colours then stay put while runs without points yet join a live chart.
    """
    pick = _legend_toggle()
    dots = alt.OverlayMarkDef(size=18) if max_epoch <= 50 else False  # hundreds of epochs: lines only
    lines = _chart(df).mark_line(point=dots).encode(
        x=alt.X("epoch:Q", scale=alt.Scale(domain=[0, max_epoch]), title="epoch"),
        y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[0, 1]), title=y_title, axis=alt.Axis(format="%")),
        color=alt.Color("run:N", title="run (click to highlight)", legend=alt.Legend(orient="bottom", columns=1),
                        scale=alt.Scale(domain=list(runs), range=RUN_COLORS) if runs else
                        alt.Scale(range=RUN_COLORS)),
        shape=alt.Shape("run:N", title="run (click to highlight)", legend=alt.Legend(orient="bottom", columns=1),
                        scale=alt.Scale(domain=list(runs), range=list(SHAPES)) if runs else
                        alt.Scale(range=list(SHAPES))),  # the dots of each run: a shape of its own
        strokeDash=alt.StrokeDash("split:N", title="measured on", scale=alt.Scale(domain=["train", "test"]),
                                  legend=alt.Legend(orient="bottom")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.12)),
        tooltip=["run:N", "split:N", "epoch:Q", alt.Tooltip("accuracy:Q", format=".2%")],
    ).add_params(pick)
    if chance is not None:
        rule = alt.Chart(pd.DataFrame({"accuracy": [chance], "label": [f"chance ({chance:.0%})"]}))
        lines = lines + rule.mark_rule(strokeDash=[2, 2], color="black").encode(y="accuracy:Q") + \
            rule.mark_text(align="left", dx=4, dy=-6).encode(y="accuracy:Q", x=alt.value(0), text="label:N")
    height = 320 + 20 * len(runs or ())  # the legend's rows take their room from the chart's height
    return lines.properties(height=height, usermeta=LIVE, **_titled(title)).configure_mark(aria=False)


def sweep_chart(df):
    """Zhang et al.'s sweep: epochs to fit the training set and final test accuracy against label noise.

    df: columns label_noise, dropout, epochs_to_fit (NaN when never reached), test_acc.
    """
    base = alt.Chart(df).encode(x=alt.X("label_noise:Q", title="fraction of labels replaced",
                                        scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
                                color=alt.Color("dropout:N", legend=alt.Legend(orient="bottom"),
                                                scale=alt.Scale(range=RUN_COLORS)),
                                shape=alt.Shape("dropout:N", legend=alt.Legend(orient="bottom"),
                                                scale=alt.Scale(range=list(SHAPES))),
                                strokeDash=alt.StrokeDash("dropout:N", legend=alt.Legend(orient="bottom"),
                                                          scale=alt.Scale(range=list(DASHES))))
    fit = base.mark_line(point=True).encode(y=alt.Y("epochs_to_fit:Q", title="epochs to 99% train accuracy",
                                                    scale=alt.Scale(zero=True), axis=alt.Axis(format="d")),
                                            tooltip=["label_noise:Q", "dropout:N", "epochs_to_fit:Q"])
    test = base.mark_line(point=True).encode(
        y=alt.Y("test_acc:Q", title="final test accuracy", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        tooltip=["label_noise:Q", "dropout:N", alt.Tooltip("test_acc:Q", format=".1%")])
    chance = alt.Chart(pd.DataFrame({"test_acc": [0.1]})).mark_rule(strokeDash=[2, 2], color="black").encode(
        y="test_acc:Q")  # ten classes: guessing scores 10%
    return alt.hconcat(fit.properties(width=300, height=240, title="Time to memorise"),
                       (test + chance).properties(width=300, height=240, title="Generalisation"))
