"""Charts in words: one sentence per chart saying what it shows now, and its numbers as a table (no Streamlit).

A screen reader reads a Vega chart by its `description` (vega-embed gives it to the chart as its accessible
name); the same sentence helps anyone who cannot tell two lines apart. Each sentence states the latest
numbers, so it is built again whenever the chart is drawn again (a live chart: when its runs end).

    live_sentence("loss", [("#1 p=0.5", events)])
        -> "Moving loss while training: #1 p=0.5 fell from 2.30 to 0.21 over 10 epochs."
    live_sentence("accuracy", runs)  -> "Accuracy after each epoch: #1 p=0.5 after epoch 10, test 97.3%, train 98.9%."
    runs_table(runs)                 -> one row per run and measured epoch: run, epoch, moving loss, train/test acc
    series_sentence(title, df, x, y, by)  -> any tidy frame: each series' first and last value, and its peak
"""
import math

import pandas as pd

TITLES = {"loss": "Moving loss while training", "accuracy": "Accuracy after each epoch"}


def _kind(events, kind):
    return [e for e in events if e.get("kind") == kind]


def _epochs(x):
    """An epoch count as words: "1 epoch", "10 epochs", "2.5 epochs"."""
    text = f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.1f}"
    return f"{text} epoch" + ("" if text == "1" else "s")


def _number(x, fmt):
    return "not a number" if x is None or not math.isfinite(float(x)) else format(float(x), fmt)


def loss_words(label, events):
    """One run's moving loss in words, or that it has no point yet (label None: without the run's name)."""
    points = [e for e in _kind(events, "batch") if "moving_loss" in e]
    name = "" if label is None else f"{label or 'the run'} "
    if not points:
        return f"{name}has no point yet"
    first, last = points[0]["moving_loss"], points[-1]["moving_loss"]
    if len(points) == 1:
        return f"{name}is at {_number(last, '.2f')} after {_epochs(points[-1]['epoch'])}"
    way = "fell" if last < first else "rose" if last > first else "stayed"
    fmt = ".2f" if _number(first, ".2f") != _number(last, ".2f") else ".4f"  # a small change still shows
    return (f"{name}{way} from {_number(first, fmt)} to {_number(last, fmt)} "
            f"over {_epochs(points[-1]['epoch'])}")


def accuracy_words(label, events):
    """One run's latest train and test accuracy in words, or that none is measured yet (label None: unnamed)."""
    measured = _kind(events, "epoch")
    name = "" if label is None else f"{label or 'the run'} "
    if not measured:
        return f"{name}has no accuracy measured yet"
    last = measured[-1]
    return (f"{name}after epoch {last['epoch'] + 1}, test {_number(last['test_acc'], '.1%')}, "
            f"train {_number(last['train_acc'], '.1%')}")


WORDS = {"loss": loss_words, "accuracy": accuracy_words}


def ended_words(events):
    """What the live route adds once a run has ended: its words for each live chart, without its name (the
    browser puts each run's label in front and the chart's title before them, as live_sentence does)."""
    return {kind: words(None, events) for kind, words in WORDS.items()}


def live_sentence(kind, runs, title=None):
    """The sentence for a live chart of `kind` ("loss" or "accuracy") over runs [(label, events)]."""
    words = WORDS[kind]
    parts = [words(label, events) for label, events in runs] or ["no run yet"]
    return f"{title or TITLES[kind]}: " + "; ".join(parts) + "."


def _thinned(items, most):
    """At most `most` items, evenly spaced, the last always among them."""
    if len(items) <= most:
        return items
    step = math.ceil(len(items) / most)
    return items[::-1][::step][::-1]


def runs_table(runs, most=25):
    """One row per run and measured epoch (epoch from 1), at most `most` epochs a run (evenly spaced, the last
    kept): the numbers behind the live charts, as a DataFrame."""
    rows = [{"run": label or "run", "epoch": e["epoch"] + 1, "moving loss": e.get("moving_loss"),
             "train acc": e.get("train_acc"), "test acc": e.get("test_acc")}
            for label, events in runs for e in _thinned(_kind(events, "epoch"), most)]
    return pd.DataFrame(rows, columns=["run", "epoch", "moving loss", "train acc", "test acc"])


def _value(v, fmt):
    if isinstance(v, str):
        return v
    return _number(v, fmt) if fmt else f"{float(v):.3g}"


def series_sentence(title, df, x, y, by=None, x_fmt=None, y_fmt=None, y_name=None):
    """Each series of a tidy frame in words: its first and last value of y along x (means where x repeats), and
    its highest. title: what the chart shows; by: the column naming the series (None: one series); y_name: y's
    name in the sentence (default: the column's)."""
    if df is None or len(df) == 0 or y not in df:
        return f"{title}: nothing to show yet."
    parts = []
    groups = df.groupby(by, sort=False) if by else [(None, df)]
    for name, rows in groups:
        line = rows.groupby(x, sort=True)[y].mean()
        line = line[line.notna()]
        if line.empty:
            continue
        top = line.idxmax()
        head = f"{name}: " if by and name else ""
        if len(line) == 1:
            parts.append(f"{head}{y_name or y} {_value(line.iloc[0], y_fmt)} at {x} {_value(line.index[0], x_fmt)}")
            continue
        parts.append(f"{head}{y_name or y} from {_value(line.iloc[0], y_fmt)} at {x} {_value(line.index[0], x_fmt)} to "
                     f"{_value(line.iloc[-1], y_fmt)} at {_value(line.index[-1], x_fmt)}, highest "
                     f"{_value(line.max(), y_fmt)} at {_value(top, x_fmt)}")
    return f"{title}: " + ("; ".join(parts) if parts else "nothing to show yet") + "."


def matrix_sentence(title, M):
    """A small matrix in words: its shape and the range of its values."""
    return (f"{title}: a {M.shape[0]} by {M.shape[1]} matrix, values from {float(M.min()):.3g} to "
            f"{float(M.max()):.3g}; each value is written in its cell.")


def mask_sentence(title, mask):
    """A keep/drop mask in words: how many entries it keeps."""
    kept = int((mask > 0).sum())
    return f"{title}: {kept} of {mask.size} entries kept (1), {mask.size - kept} dropped (0); each cell says which."


def network_sentence(nodes):
    """The small net drawn as circles: how many hidden units are kept and dropped (nodes: layer, state)."""
    hidden = nodes[nodes.layer.str.startswith("hidden")]
    kept = int((hidden.state == "kept").sum())
    return (f"The small net drawn: {len(nodes)} units in {nodes.layer.nunique()} layers; of its {len(hidden)} "
            f"hidden units {kept} are kept and {len(hidden) - kept} dropped, with their connections.")
