"""What one training run costs a worker, from its real work: steps, images through the net, accuracy checks.

The class's workers are its scarcest resource, so a run's size is bounded by its cost, not by epochs x images
alone (batch 1 on full MNIST is 60,000 optimiser steps an epoch, each paying a fixed price, whatever the images).
The model is linear in five counts; `python -m benchmarks.cost_model` measures runs on this machine, fits the
coefficients and prints how far the model is from each measured run.

    seconds(TrainConfig(epochs=10))   # the lesson's run: about 55 worker-seconds
"""
import math

INPUTS, CLASSES, TEST_IMAGES = 784, 10, 10_000
MAX_RUN_SECONDS = 120.0  # the most one run may cost: about 2 worker-minutes

# Seconds per unit of each count, fitted by benchmarks/cost_model.py (2026-12-05, a slow phase of this machine: the
# lesson's epoch took 5.5 s): one worker with one MXNet thread, as each of two workers on two cores has. The model
# is within about 10% of every measured shape there.
PER_STEP = 1.24e-3  # an optimiser step's fixed price (the graph's calls, reading the loss back)
PER_STEP_PARAM = 3.3e-9  # ... and per parameter it updates (the SGD step touches every weight)
PER_TRAIN_MAC = 1.82e-10  # a training image's forward and backward pass, per multiply-add of the forward pass
PER_EVAL_MAC = 6.6e-11  # an image through the net to check accuracy, per multiply-add
PER_EPOCH = 2.7e-4  # shuffling the set and the epoch's bookkeeping


def sizes(hidden1, hidden2):
    """(parameters, multiply-adds per image) of the 784-h1-h2-10 net."""
    macs = INPUTS * hidden1 + hidden1 * hidden2 + hidden2 * CLASSES
    return macs + hidden1 + hidden2 + CLASSES, macs


def counts(cfg):
    """The run's work: (steps, steps x parameters, training MACs, evaluation MACs, epochs)."""
    params, macs = sizes(cfg.hidden1, cfg.hidden2)
    steps = cfg.epochs * math.ceil(cfg.train_size / cfg.batch_size)
    checks = len({e for e in range(cfg.epochs) if (e + 1) % cfg.eval_every == 0} | {cfg.epochs - 1})
    per_check = min(cfg.eval_size or cfg.train_size, cfg.train_size) + min(cfg.eval_size or TEST_IMAGES, TEST_IMAGES)
    return steps, steps * params, cfg.epochs * cfg.train_size * macs, checks * per_check * macs, cfg.epochs


COEFFICIENTS = (PER_STEP, PER_STEP_PARAM, PER_TRAIN_MAC, PER_EVAL_MAC, PER_EPOCH)


def seconds(cfg):
    """Worker-seconds the run should take on this project's machine (any object with TrainConfig's fields)."""
    return sum(c * n for c, n in zip(COEFFICIENTS, counts(cfg)))


def describe(secs):
    """A duration as a student reads it: '40 seconds', '3 minutes', '2 hours'."""
    if secs < 90:
        return f"{max(1, round(secs))} seconds"
    if secs < 5400:
        return f"{round(secs / 60)} minutes"
    return f"{round(secs / 3600)} hours"
