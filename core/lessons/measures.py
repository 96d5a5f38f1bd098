"""Lesson 4's measures on plain arrays (no MXNet): predictive entropy, activation statistics, weight images,
a digit turned."""
import math

import numpy as np


HIST_EDGES = tuple(np.round(np.linspace(0, 5, 51), 2).tolist())  # activation histogram bins (the last takes >= 4.9)


def entropy(probs):
    """Predictive entropy of each row of probabilities, in nats: 0 when certain, ln 10 = 2.30 for a uniform guess."""
    probs = np.asarray(probs, dtype=np.float64)
    return (probs * -np.log(np.clip(probs, 1e-12, 1.0))).sum(axis=-1)


def activation_stats(h, edges=HIST_EDGES):
    """Mean and fraction of exact zeros of one layer's activations h, and a histogram of the others.

    The histogram counts the positive values (those past the last edge in the last bin); with the zeros
    it adds up to h.size.
    """
    counts = np.histogram(np.minimum(h[h > 0], edges[-1]), bins=edges)[0]
    return {"mean_activation": float(h.mean()), "zero_fraction": float((h == 0).mean()), "size": int(h.size),
            "edges": list(edges), "counts": counts.tolist()}


def weight_images(W1, units):
    """The weights into each of these first-layer units as a 28x28 grey image: 0 mid-grey, + white, - black."""
    W = np.asarray(W1)[list(units)]
    scale = np.abs(W).max(axis=1, keepdims=True)
    return np.round(127.5 + 127.5 * W / np.where(scale > 0, scale, 1)).astype(np.uint8).reshape(-1, 28, 28)


def rotate(image, degrees):
    """A square image turned anticlockwise by `degrees` about its centre (bilinear; zeros come in from outside)."""
    size = image.shape[0]
    c, t = (size - 1) / 2, math.radians(degrees)
    rows, cols = np.indices(image.shape, dtype=np.float64)
    # each output pixel reads the input where the opposite turn takes it (rows grow downwards)
    src_x = math.cos(t) * (cols - c) - math.sin(t) * (rows - c) + c
    src_y = math.sin(t) * (cols - c) + math.cos(t) * (rows - c) + c
    x0, y0 = np.floor(src_x).astype(int), np.floor(src_y).astype(int)
    fx, fy = src_x - x0, src_y - y0
    padded = np.pad(image.astype(np.float64), 1)  # an index just outside the image reads a zero

    def at(y, x):
        inside = (y >= -1) & (y <= size) & (x >= -1) & (x <= size)
        return np.where(inside, padded[np.clip(y + 1, 0, size + 1), np.clip(x + 1, 0, size + 1)], 0.0)

    out = ((1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
           fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1)))
    return np.clip(np.round(out), 0, 255).astype(image.dtype)
