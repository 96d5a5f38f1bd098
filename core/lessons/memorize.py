"""Lesson 3's bookkeeping: which runs show memorisation, and what their events say.

Pure functions over TrainConfig and event lists (no Streamlit, no MXNet), so a test can check them
(how a run stands, in words, is core.views.status):

    runs = contrast_configs({"label_noise": 1.0, "drop_prob": 0.5, "train_size": 1000, "epochs": 300})
    # {'true labels, no dropout': TrainConfig(...), ..., 'random labels, dropout 0.5': TrainConfig(...)}
"""
import math
from dataclasses import replace

import pandas as pd

from core import cost
from core.config import INPUT_LABELS, TrainConfig, shape

FIT = 0.99  # train accuracy that counts as "fitted the training set"
CHANCE = 0.1  # ten classes
EVAL_SIZE = 1000  # images per accuracy check
EVAL_POINTS = 100  # accuracy checks per run at most: every epoch up to 100 epochs, every 3rd for 300
SWEEP_NOISE = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
SWEEP_BUDGET = 3 * cost.MAX_RUN_SECONDS  # most worker-seconds one sweep may cost, summed over its runs (core.cost)


def base_fields(values):
    """The fields of base_config's run, unchecked."""
    epochs = values.get("epochs", 300)
    return dict(epochs=epochs, train_size=values.get("train_size", 1000), seed=values.get("seed", 1),
                label_noise=values.get("label_noise", 1.0), inputs=values.get("inputs", "pixels"), eval_size=EVAL_SIZE,
                eval_every=max(1, math.ceil(epochs / EVAL_POINTS)), drop_prob1=0.0, drop_prob2=0.0)


def base_config(values):
    """The page's values as a TrainConfig without dropout, evaluated on EVAL_SIZE images at most EVAL_POINTS times."""
    return TrainConfig(**base_fields(values))


def price(values):
    """Worker-seconds of one of the page's runs (core.cost), for core.config.from_values' budget."""
    return cost.seconds(shape(base_fields(values)))


def labels_name(label_noise, inputs="pixels"):
    """'true labels', '40% random labels', 'random labels', prefixed by the input kind if not real images."""
    labels = ("true labels" if label_noise == 0 else "random labels" if label_noise == 1
              else f"{label_noise:.0%} random labels")
    return labels if inputs == "pixels" else f"{INPUT_LABELS[inputs].split(' (')[0]}, {labels}"


def dropout_name(drop_prob):
    return f"dropout {drop_prob:g}" if drop_prob else "no dropout"


def run_name(cfg):
    """A run's name on the page, e.g. 'random labels, dropout 0.5'."""
    return f"{labels_name(cfg.label_noise, cfg.inputs)}, {dropout_name(cfg.drop_prob1)}"


def contrast_configs(values):
    """The four runs of the contrast, by name: true labels vs the chosen corruption, without and with dropout.

    Identical runs (no corruption chosen, or drop_prob 0) appear once.
    """
    chosen = base_config(values)
    truth = replace(chosen, label_noise=0.0, inputs="pixels")
    runs = [c.with_dropout(p) for c in (truth, chosen) for p in (0.0, values.get("drop_prob", 0.5))]
    return {run_name(c): c for c in runs}


def sweep_configs(values):
    """(configs, note): label noise 0, 0.2, ..., 1 on real images, without and with dropout.

    The dropout half is left out if the sweep would cost more than SWEEP_BUDGET, and the epochs cut
    if even the half without dropout would; the note says so.
    """
    values = {**values, "inputs": "pixels"}
    drop_prob, runs, asked = values.get("drop_prob", 0.5), len(SWEEP_NOISE), base_fields(values)["epochs"]
    probs, note = (0.0, drop_prob), None
    one = price(values)  # one run of the sweep, priced before it is built (it may be too dear as asked)
    if not drop_prob:
        probs = (0.0,)
    elif 2 * runs * one > SWEEP_BUDGET:
        probs = (0.0,)
        note = "The sweep runs without dropout"
    epochs = asked
    if runs * one > SWEEP_BUDGET:
        epochs = next((e for e in range(asked, 0, -1) if runs * price({**values, "epochs": e}) <= SWEEP_BUDGET), 1)
        note = f"The sweep runs without dropout and trains {epochs} epochs instead of {asked}"
    if note:
        note += (f", to stay within {cost.describe(SWEEP_BUDGET)} of training for its runs together "
                 "(fewer training images leave room for more).")
    return [replace(base_config({**values, "epochs": epochs}), label_noise=n).with_dropout(p)
            for p in probs for n in SWEEP_NOISE], note


def epochs_to_fit(events, threshold=FIT):
    """The first epoch (counted from 1) whose train accuracy reached `threshold`, or None."""
    return next((e["epoch"] + 1 for e in events if e["kind"] == "epoch" and e["train_acc"] >= threshold), None)


def summary(cfg, events):
    """What a run's events say: name, epochs done, epochs to fit, final train and test accuracy."""
    epochs = [e for e in events if e["kind"] == "epoch"]
    last = epochs[-1] if epochs else {"train_acc": math.nan, "test_acc": math.nan}
    return {"run": run_name(cfg), "label_noise": cfg.label_noise, "dropout": dropout_name(cfg.drop_prob1),
            "epochs_done": len(epochs), "epochs_to_fit": epochs_to_fit(events),
            "train_acc": last["train_acc"], "test_acc": last["test_acc"]}


def verdict(train_acc, test_acc, chance=CHANCE):
    """The gap in words: did the run fit its training set, and did it learn anything that transfers?"""
    fitted, learned = train_acc >= FIT, test_acc >= chance + 0.15
    if fitted:
        return "fits and generalises" if learned else "memorised, nothing learned"
    return "learned something, not fitted yet" if learned else "not memorised yet, nothing learned"


def sentence(s):
    """One run's final numbers in words, e.g. 'random labels, no dropout: train 99.8%, test 10.6% - ...'."""
    fit = (f"99% train accuracy at epoch {s['epochs_to_fit']}" if s["epochs_to_fit"]
           else f"below 99% train accuracy after {s['epochs_done']} epochs")
    return (f"{s['run'][0].upper()}{s['run'][1:]}: train {s['train_acc']:.1%}, test {s['test_acc']:.1%} "
            f"(gap {round(100 * (s['train_acc'] - s['test_acc'])) + 0} points) — "
            f"{verdict(s['train_acc'], s['test_acc'])}; {fit}.")


def sweep_frame(summaries):
    """The sweep table, one row per run, runs without dropout first, by label noise (what sweep_chart reads)."""
    df = pd.DataFrame(summaries, columns=["label_noise", "dropout", "epochs_done", "epochs_to_fit",
                                          "train_acc", "test_acc"])
    df["epochs_to_fit"] = pd.to_numeric(df["epochs_to_fit"], errors="coerce").astype(float)
    order = df.assign(with_dropout=df.dropout != dropout_name(0)).sort_values(["with_dropout", "label_noise"])
    return order.drop(columns="with_dropout").reset_index(drop=True)


def sweep_table(df):
    """The sweep frame for reading: named columns, percentages, 'not reached' for runs that never fitted."""
    names = {"label_noise": "labels replaced", "epochs_done": "epochs", "epochs_to_fit": "epochs to 99% train",
             "train_acc": "final train accuracy", "test_acc": "final test accuracy"}
    formats = {"labels replaced": "{:.0%}", "epochs to 99% train": "{:.0f}", "final train accuracy": "{:.1%}",
               "final test accuracy": "{:.1%}"}
    return df.rename(columns=names).style.format(formats, na_rep="not reached")
