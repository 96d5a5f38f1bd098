"""What a class found: its runs as tidy tables for the board's charts, and sentences with the numbers.

    points, curves = frames(setup, rows)       # rows: Board.runs(code)
    for sentence in findings(setup, points): print(sentence)
"""
import pandas as pd

from core.classboard.experiment import NO_DROPOUT, WITH_DROPOUT
from core.classboard.store import config_of

POINT_COLUMNS = ["run", "student", "value", "series", "seed", "train_acc", "test_acc", "gap", "predicted_test_acc"]
GUESS_COLUMNS = ["student", "value", "series", "predicted_test_acc", "predicted_best"]
CURVE_COLUMNS = ["run", "value", "series", "epoch", "test_acc"]
PAPER = {"drop_prob": "Srivastava et al. (2014, fig. 9) found MNIST test error about flat for drop "
                      "probabilities from 0.2 to 0.6 and rising at both ends: too little dropout overfits, "
                      "too much underfits.",
         "train_size": "Srivastava et al. (2014, fig. 10) found no gain from dropout with 100 to 500 training "
                       "images, the largest gain in the middle range, and a shrinking gain for large sets."}


def frames(setup, rows):
    """(points, curves): one row per finished run, and one row per run and epoch of its test-accuracy curve.

    Runs their students stopped are left out (see stopped_runs): they count as the student's run, not as a result.
    """
    points, curves = [], []
    for r in rows:
        if _stopped(r):
            continue
        value, series = setup.value_of(config_of(r))
        points.append((r["id"], r["student"], value, series, r["seed"], r["train_acc"], r["test_acc"],
                       r["train_acc"] - r["test_acc"], r.get("predicted_test_acc")))
        curves.extend((r["id"], value, series, epoch, acc) for epoch, acc in r["curve"])
    return pd.DataFrame(points, columns=POINT_COLUMNS), pd.DataFrame(curves, columns=CURVE_COLUMNS)


def _stopped(row):
    return row.get("stopped_at") is not None or row["test_acc"] is None or row["train_acc"] is None


def stopped_runs(setup, rows):
    """The runs their students stopped: a frame of run, student, value, series (each counts as that student's run
    of its value, and has no result to show)."""
    out = [(r["id"], r["student"], *setup.value_of(config_of(r))) for r in rows if _stopped(r)]
    return pd.DataFrame(out, columns=["run", "student", "value", "series"])


def roster(points, stopped):
    """'Runs by: Ada (1), Bo (1, stopped)': who has counted runs, in order of each first run, stopped ones marked."""
    parts = [frame[["run", "student"]].assign(stopped=flag) for frame, flag in ((points, False), (stopped, True))
             if len(frame)]
    if not parts:
        return ""
    runs = pd.concat(parts).sort_values("run")
    said = []
    for name, rows in runs.groupby("student", sort=False):
        halted = int(rows.stopped.sum())
        said.append(f"{name} ({len(rows)}" + (", stopped" if halted == len(rows) else f", {halted} stopped"
                                              if halted else "") + ")")
    return "Runs by: " + ", ".join(said)


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


# ---- predict, then see -------------------------------------------------------------------------------------
def guess_frame(setup, guesses):
    """One row per guess: the student's own value (NaN when none was assigned), their expected test accuracy
    and the value they expect to be best."""
    rows = []
    for g in guesses:
        value, series = setup.value_of(setup.config(g["cell"])) if g.get("cell") else (float("nan"), "")
        rows.append((g["student"], value, series, g["predicted_test_acc"], g["predicted_best"]))
    return pd.DataFrame(rows, columns=GUESS_COLUMNS)


def best_votes(setup, guesses):
    """How many students named each value as the class's best: a frame of value, votes (every value listed)."""
    counts = pd.Series([g["predicted_best"] for g in guesses], dtype=float).value_counts()
    return pd.DataFrame({"value": list(setup.values), "votes": [int(counts.get(float(v), 0)) for v in setup.values]})


def _name(setup, value):
    return f"p = {value:g}" if setup.vary == "drop_prob" else f"{int(value):,} images"


def _expected(setup, guesses):
    """(the value most students named best, its votes); ties go to the smaller value."""
    votes = best_votes(setup, guesses)
    top = votes.sort_values(["votes", "value"], ascending=[False, True]).iloc[0]
    return top.value, int(top.votes)


def measured_ranking(setup, points):
    """Values from best to worst as the class measured them: mean test accuracy (drop_prob), or the gain from
    dropout in points (train_size, sizes run both ways). A Series value -> measure, best first."""
    if setup.vary == "drop_prob":
        return points.groupby("value").test_acc.mean().sort_values(ascending=False)
    by = points.pivot_table(index="value", columns="series", values="test_acc", aggfunc="mean")
    if not {NO_DROPOUT, WITH_DROPOUT} <= set(by.columns):
        return pd.Series(dtype=float)
    return (by[WITH_DROPOUT] - by[NO_DROPOUT]).dropna().sort_values(ascending=False)


def guess_findings(setup, points, guesses, revealed):
    """Sentences on what the class expected; after the reveal, what it expected against what it measured."""
    if not guesses:
        return ["No guesses yet: each student guesses before pressing Train."]
    best, votes = _expected(setup, guesses)
    mean_guess = sum(g["predicted_test_acc"] for g in guesses) / len(guesses)
    what = "to be best" if setup.vary == "drop_prob" else "to be where dropout helps most"
    out = [f"{len(guesses)} student{'s have' if len(guesses) != 1 else ' has'} guessed. The class expects "
           f"{_name(setup, best)} {what} ({votes} of {len(guesses)} guesses); on average a student expects "
           f"{_pct(mean_guess)} test accuracy for their own run."]
    if not revealed or points.empty:
        return out
    ranking = measured_ranking(setup, points)
    if len(ranking):
        measure = (lambda v: _pct(v)) if setup.vary == "drop_prob" else (lambda v: f"{v * 100:+.1f} points")
        if best not in ranking.index:
            out.append(f"The class expected {_name(setup, best)} {what}; no run measured it yet.")
        else:
            rank = list(ranking.index).index(best) + 1
            place = ("it was indeed the best" if rank == 1 else "it came last" if rank == len(ranking)
                     else f"it came {_ordinal(rank)} of {len(ranking)}")
            out.append(f"The class expected {_name(setup, best)} {what}; {place}, at {measure(ranking[best])}"
                       + ("." if rank == 1 else f" (the best: {_name(setup, ranking.index[0])}, "
                                                 f"{measure(ranking.iloc[0])})."))
    guessed = points.dropna(subset=["predicted_test_acc"])
    if len(guessed):
        miss = (guessed.predicted_test_acc - guessed.test_acc) * 100
        direction = "too high" if miss.mean() > 0 else "too low"
        worst = guessed.assign(miss=miss.abs()).sort_values("miss", ascending=False).iloc[0]
        out.append(f"A student's guess for their own run was on average {abs(miss.mean()):.1f} points {direction} "
                   f"(typical miss {miss.abs().mean():.1f} points over {_runs(len(guessed))}); the largest: "
                   f"{_pct(worst.predicted_test_acc)} expected at {_name(setup, worst.value)}, "
                   f"{_pct(worst.test_acc)} measured.")
    return out


def versus_frame(points):
    """Guess against outcome per run that has a guess, tidy: value, series, kind ('guessed' | 'measured'), acc."""
    guessed = points.dropna(subset=["predicted_test_acc"])
    both = [guessed.assign(kind="guessed", acc=guessed.predicted_test_acc),
            guessed.assign(kind="measured", acc=guessed.test_acc)]
    return pd.concat(both)[["run", "value", "series", "kind", "acc"]] if len(guessed) else \
        pd.DataFrame(columns=["run", "value", "series", "kind", "acc"])


def _ordinal(n):
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
