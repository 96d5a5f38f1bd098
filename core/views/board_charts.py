"""The class board's charts as fixed Vega-Lite specs: built once per class setup, redrawn with new rows.

The board is projected and redraws every second or two for every open copy of it. Building an Altair
chart costs tens of milliseconds, so (as core.charts.live_spec does for the training pages) each chart's
spec is built once without data, and the page passes the spec plus the current rows. The mean and spread
per value are computed by Vega-Lite's own transforms from the one table of runs, so the page's rows stay
one row per run. No Streamlit here.
"""
import functools
import json

import altair as alt
import pandas as pd

from core.views.charts import LIVE, spec_without_data
from core.views.palette import BLUE, SHAPES, VERMILLION
from core.classboard.experiment import NO_DROPOUT, WITH_DROPOUT
from core.config import TrainConfig
PERCENT = ".3~%"  # 0.955 -> 95.5%, 0.9 -> 90%
HEIGHT = 300
SERIES_COLORS = {"": BLUE, NO_DROPOUT: VERMILLION, WITH_DROPOUT: BLUE}
SERIES_SHAPES = {"": "circle", NO_DROPOUT: SHAPES[1], WITH_DROPOUT: "circle"}  # not colour alone
# Where the paper found dropout's effect flat (fig. 9) or absent (fig. 10), shaded on the board.
PAPER_BANDS = {"drop_prob": (0.2, 0.6, "paper: flat"), "train_size": (100, 500, "paper: no gain")}
_LESSON = TrainConfig()  # the lesson's own run, marked on the board
LESSON_MARKS = {"drop_prob": (_LESSON.drop_prob1, f"lesson: {_LESSON.drop_prob1:g}"),
                "train_size": (_LESSON.train_size, f"lesson: {_LESSON.train_size:,}")}
TITLES = {"drop_prob": "drop probability p (both hidden layers)", "train_size": "training images (log scale)"}


def _x(vary, lo, hi):
    """The x encoding: drop probability 0..1, or training images on a log scale around the values."""
    if vary == "drop_prob":
        return alt.X("value:Q", title=TITLES[vary], scale=alt.Scale(domain=[0, 1]))
    return alt.X("value:Q", title=TITLES[vary], axis=alt.Axis(format="~s"),
                 scale=alt.Scale(type="log", domain=[lo / 1.4, hi * 1.4], nice=False))


def _color(vary):
    series = [""] if vary == "drop_prob" else [NO_DROPOUT, WITH_DROPOUT]
    legend = None if vary == "drop_prob" else alt.Legend(orient="bottom", title=None)
    return alt.Color("series:N", scale=alt.Scale(domain=series, range=[SERIES_COLORS[s] for s in series]),
                     legend=legend)


def _shape(vary):
    series = [""] if vary == "drop_prob" else [NO_DROPOUT, WITH_DROPOUT]
    legend = None if vary == "drop_prob" else alt.Legend(orient="bottom", title=None)
    return alt.Shape("series:N", scale=alt.Scale(domain=series, range=[SERIES_SHAPES[s] for s in series]),
                     legend=legend)


def _marks(vary, lo, hi):
    """The paper's band and the lesson's default, as layers with their own few rows (when in view)."""
    layers = []
    band_lo, band_hi, band_text = PAPER_BANDS[vary]
    band = alt.Chart(pd.DataFrame({"value": [band_lo], "value2": [band_hi], "label": [band_text]}))
    layers.append(band.mark_rect(color="#999999", opacity=0.12).encode(x="value:Q", x2="value2:Q"))
    layers.append(band.mark_text(align="left", baseline="bottom", dx=3, dy=-3, color="#666666").encode(
        x="value:Q", y=alt.value("height"), text="label:N"))  # at the bottom: the runs sit near the top
    mark, text = LESSON_MARKS[vary]
    if vary == "drop_prob" or lo <= mark <= hi:
        rule = alt.Chart(pd.DataFrame({"value": [mark], "label": [text]}))
        layers.append(rule.mark_rule(strokeDash=[4, 3], color="black").encode(x="value:Q"))
        layers.append(rule.mark_text(align="left", baseline="bottom", dx=3, dy=-18, color="black").encode(
            x="value:Q", y=alt.value("height"), text="label:N"))
    return layers


def _min_span(field, title, half=0.01):
    """Invisible points 1 point above and below the class mean, so a few close runs do not fill the whole axis."""
    return alt.Chart().transform_aggregate(m=f"mean({field})").transform_calculate(
        lo=f"datum.m - {half}", hi=f"datum.m + {half}").transform_fold(["lo", "hi"], as_=["bound", "y"]).mark_point(
        opacity=0).encode(y=alt.Y("y:Q", title=title))


def sweep_chart(vary, lo, hi, field="test_acc", title="final test accuracy"):
    """One dot per run against the varied value, with the mean per value (line) and its spread (+-1 sd).

    Rows: run, student, value, series, seed, train_acc, test_acc, gap (core.classboard.results.frames).
    """
    x, color = _x(vary, lo, hi), _color(vary)
    y = alt.Y(f"{field}:Q", title=title, axis=alt.Axis(format=PERCENT, tickCount=6),
              scale=alt.Scale(zero=field == "gap"))
    tooltip = [alt.Tooltip("student:N"), alt.Tooltip("value:Q", title="value"), alt.Tooltip("series:N"),
               alt.Tooltip("seed:Q"), alt.Tooltip(f"{field}:Q", format=".2%")]
    dots = alt.Chart().mark_point(size=70, opacity=0.55, filled=True).encode(x=x, y=y, color=color,
                                                                          shape=_shape(vary), tooltip=tooltip)
    mean = alt.Chart().mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=50, filled=True)).encode(
        x=x, y=alt.Y(f"mean({field}):Q", title=title), color=color, shape=_shape(vary),
        tooltip=[alt.Tooltip("value:Q"), alt.Tooltip(f"mean({field}):Q", format=".2%", title="mean"),
                 alt.Tooltip(f"count({field}):Q", title="runs")])
    spread = alt.Chart().mark_errorbar(extent="stdev", thickness=2).encode(x=x, y=alt.Y(f"{field}:Q", title=title),
                                                                           color=color)
    layers = (_marks(vary, lo, hi) + [_min_span(field, title)] if field == "test_acc" else []) + [spread, mean, dots]
    return alt.layer(*layers).properties(height=HEIGHT, usermeta=LIVE).configure_mark(aria=False)


def curves_chart(vary, epochs, lo, hi):
    """Every run's test accuracy per epoch, faint and coloured by its value, with the class mean bold.

    Rows: run, value, series, epoch, test_acc.
    """
    scale = alt.Scale(scheme="viridis", domain=[lo, hi], type="linear" if vary == "drop_prob" else "log")
    x = alt.X("epoch:Q", scale=alt.Scale(domain=[1, max(epochs, 2)]), title="epoch", axis=alt.Axis(format="d"))
    y = alt.Y("test_acc:Q", title="test accuracy", axis=alt.Axis(format=PERCENT), scale=alt.Scale(zero=False))
    faint = alt.Chart().mark_line(strokeWidth=1.2, opacity=0.35).encode(
        x=x, y=y, detail="run:N", color=alt.Color("value:Q", scale=scale, title=TITLES[vary].split(" (")[0],
                                                  legend=alt.Legend(orient="right")),
        tooltip=[alt.Tooltip("value:Q"), alt.Tooltip("series:N"), alt.Tooltip("epoch:Q"),
                 alt.Tooltip("test_acc:Q", format=".2%")])
    group = ["epoch"] if vary == "drop_prob" else ["epoch", "series"]
    mean = alt.Chart().transform_aggregate(test_acc="mean(test_acc)", groupby=group).mark_line(
        strokeWidth=3.5, color="black").encode(x=x, y=y, **({} if vary == "drop_prob" else {
            "strokeDash": alt.StrokeDash("series:N", title="class mean", legend=alt.Legend(orient="bottom"))}))
    return alt.layer(faint, mean).properties(height=HEIGHT, usermeta=LIVE).configure_mark(aria=False)


def votes_chart(vary):
    """How many students named each value as the class's best (rows: value, votes), before anything is shown."""
    title = "named best (students)" if vary == "drop_prob" else "named: dropout helps most here (students)"
    return alt.Chart().mark_bar(color=SERIES_COLORS[""], opacity=0.8).encode(
        x=alt.X("value:O", title=TITLES[vary].replace(" (log scale)", ""), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("votes:Q", title=title, axis=alt.Axis(format="d", tickMinStep=1)),
        tooltip=[alt.Tooltip("value:O"), alt.Tooltip("votes:Q", title="students")],
    ).properties(height=HEIGHT, usermeta=LIVE).configure_mark(aria=False)


def versus_chart(vary, lo, hi):
    """Guess against outcome per value: the mean guessed and the mean measured test accuracy, each run a faint dot.

    Rows: run, value, series, kind ('guessed' | 'measured'), acc (core.classboard.results.versus_frame).
    """
    x = _x(vary, lo, hi)
    kind = alt.Color("kind:N", scale=alt.Scale(domain=["guessed", "measured"], range=[VERMILLION, BLUE]),
                     legend=alt.Legend(orient="bottom", title=None))
    shape = alt.Shape("kind:N", scale=alt.Scale(domain=["guessed", "measured"], range=["triangle-up", "circle"]),
                      legend=alt.Legend(orient="bottom", title=None))  # guessed and measured: not colour alone
    y = alt.Y("acc:Q", title="test accuracy", axis=alt.Axis(format=PERCENT), scale=alt.Scale(zero=False))
    detail = {} if vary == "drop_prob" else {"strokeDash": alt.StrokeDash("series:N", legend=alt.Legend(
        orient="bottom", title=None))}
    dots = alt.Chart().mark_point(size=40, opacity=0.35, filled=True).encode(x=x, y=y, color=kind, shape=shape, tooltip=[
        alt.Tooltip("value:Q"), alt.Tooltip("kind:N"), alt.Tooltip("acc:Q", format=".1%")])
    mean = alt.Chart().mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=60, filled=True)).encode(
        x=x, y=alt.Y("mean(acc):Q", title="test accuracy"), color=kind, shape=shape, **detail,
        tooltip=[alt.Tooltip("value:Q"), alt.Tooltip("kind:N"), alt.Tooltip("mean(acc):Q", format=".1%", title="mean"),
                 alt.Tooltip("count(acc):Q", title="runs")])
    return alt.layer(dots, mean).properties(height=HEIGHT, usermeta=LIVE).configure_mark(aria=False)


@functools.lru_cache(maxsize=256)
def _spec_json(kind, args):
    charts = {"sweep": sweep_chart, "curves": curves_chart, "votes": votes_chart, "versus": versus_chart}
    return spec_without_data(charts[kind](*args))


def spec(kind, *args):
    """The Vega-Lite spec (a dict) of sweep_chart or curves_chart without its rows, built once per setting."""
    return json.loads(_spec_json(kind, args))
