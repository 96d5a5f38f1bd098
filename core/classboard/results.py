"""What a class found: its runs as tidy tables for the board's charts, and sentences with the numbers.

    points, curves = frames(setup, rows)       # rows: Board.runs(code)
    for sentence in findings(setup, points): print(sentence)
"""
import pandas as pd

from core.classboard.experiment import NO_DROPOUT, WITH_DROPOUT
from core.classboard.store import config_of

POINT_COLUMNS = ["run", "student", "value", "series", "seed", "train_acc", "test_acc", "gap"]
CURVE_COLUMNS = ["run", "value", "series", "epoch", "test_acc"]
PAPER = {"drop_prob": "Srivastava et al. (2014, fig. 9) found MNIST test error about flat for drop "
                      "probabilities from 0.2 to 0.6 and rising at both ends: too little dropout overfits, "
                      "too much underfits.",
         "train_size": "Srivastava et al. (2014, fig. 10) found no gain from dropout with 100 to 500 training "
                       "images, the largest gain in the middle range, and a shrinking gain for large sets."}


def frames(setup, rows):
    """(points, curves): one row per run, and one row per run and epoch of its test-accuracy curve."""
    points, curves = [], []
    for r in rows:
        value, series = setup.value_of(config_of(r))
        points.append((r["id"], r["student"], value, series, r["seed"], r["train_acc"], r["test_acc"],
                       r["train_acc"] - r["test_acc"]))
        curves.extend((r["id"], value, series, epoch, acc) for epoch, acc in r["curve"])
    return pd.DataFrame(points, columns=POINT_COLUMNS), pd.DataFrame(curves, columns=CURVE_COLUMNS)


def coverage(setup, points):
    """(cells with at least one run, all cells) of the sweep."""
    tried = set(zip(points.value, points.series))
    keys = setup.keys()
    return sum(k in tried for k in keys), len(keys)


def findings(setup, points):
    """Sentences that say what the class found, in numbers, and then what the paper found."""
    if points.empty:
        return ["No finished runs yet: the board fills in as students' runs finish.", PAPER[setup.vary]]
    said = _drop_findings(points) if setup.vary == "drop_prob" else _size_findings(points)
    return said + [PAPER[setup.vary]]


def _pct(x):
    return f"{x:.1%}"


def _runs(n):
    return f"{n} run{'s' if n != 1 else ''}"


def _drop_findings(points):
    by = points.groupby("value").agg(test=("test_acc", "mean"), gap=("gap", "mean"), n=("run", "count"))
    best = by.test.idxmax()
    out = [f"The class's best mean test accuracy is {_pct(by.test[best])} at p = {best:g} "
           f"({_runs(by.n[best])}, {len(by)} values tried)."]
    if 0.0 in by.index and best != 0.0:
        gain = (by.test[best] - by.test[0.0]) * 100
        out.append(f"Without dropout (p = 0) it is {_pct(by.test[0.0])}, so dropout {best:g} changes test "
                   f"accuracy by {gain:+.1f} points; the train-test gap goes from {by.gap[0.0] * 100:.1f} "
                   f"to {by.gap[best] * 100:.1f} points.")
    top = by.index.max()
    if top >= 0.7 and top != best:
        out.append(f"At p = {top:g} it is {_pct(by.test[top])}: with so many units dropped the net underfits.")
    return out


def _size_findings(points):
    by = points.pivot_table(index="value", columns="series", values="test_acc", aggfunc="mean")
    both = by.dropna(subset=[c for c in (NO_DROPOUT, WITH_DROPOUT) if c in by.columns]) \
        if {NO_DROPOUT, WITH_DROPOUT} <= set(by.columns) else by.iloc[0:0]
    if both.empty:
        return [f"{_runs(len(points))} so far; each training-set size needs a run with and without dropout "
                "before the two can be compared."]
    gain = (both[WITH_DROPOUT] - both[NO_DROPOUT]) * 100
    best, small = gain.idxmax(), gain.index.min()
    out = [f"Dropout beats no dropout at {int((gain > 0).sum())} of {len(gain)} training-set sizes tried both "
           f"ways; the largest gain is {gain[best]:+.1f} points at {best:,} images "
           f"({_pct(both[NO_DROPOUT][best])} without, {_pct(both[WITH_DROPOUT][best])} with)."]
    if small != best:
        out.append(f"With the fewest images ({small:,}) the difference is {gain[small]:+.1f} points.")
    return out
