"""MNIST from the files bundled with the app, plus the subsets and corruptions the lessons use.

Images stay uint8, (N, 784), about 55 MB for both sets; batches are scaled to [0, 1] as they are used.
"""
import hashlib
import os
from dataclasses import dataclass

import numpy as np

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA_DIR = os.path.join(PROJECT_ROOT, "data", "mnist")

# The SHA-1 digests MXNet's gluon MNIST reader checks (also in data/mnist/SHA1SUMS).
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "6c95f4b05d2bf285e1bfb0e7960c31bd3b3f8a7d",
    "train-labels-idx1-ubyte.gz": "2a80914081dc54586dbdf242f9805a6b8d2a15fc",
    "t10k-images-idx3-ubyte.gz": "c3a25af1f52dad7f726cce8cacb138654b760d48",
    "t10k-labels-idx1-ubyte.gz": "763e7fa3757d93b0cdec073cef058b2004252c17",
}


class DataError(RuntimeError):
    """A bundled data file is missing or damaged; the message says which and how to restore it."""


@dataclass(frozen=True)
class Mnist:
    """Train and test images as uint8 numpy arrays (N, 784) with int32 labels."""

    train_X: np.ndarray
    train_y: np.ndarray
    test_X: np.ndarray
    test_y: np.ndarray


def sha1_of(path):
    """Hex SHA-1 of a file's bytes."""
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_files(root=None):
    """Raise DataError naming the first missing or damaged file and the SHA-1 it should have."""
    root = root or DATA_DIR
    for name, expected in MNIST_FILES.items():
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            raise DataError(f"MNIST file {name} is missing from {root} (expected SHA-1 {expected}). "
                            "Restore it from the repository: git checkout -- data/mnist")
        if sha1_of(path) != expected:
            raise DataError(f"MNIST file {name} in {root} is damaged: its SHA-1 is not {expected}. "
                            "Restore it from the repository: git checkout -- data/mnist")


def load_mnist(root=None):
    """Both MNIST sets, read by MXNet's gluon reader after our own SHA-1 check (so it never downloads)."""
    root = root or DATA_DIR
    check_files(root)
    from core.nn.mx import gluon  # imported late: checking files needs no MXNet

    sets = [gluon.data.vision.MNIST(root=root, train=train) for train in (True, False)]
    arrays = []
    for ds in sets:
        arrays += [ds._data.asnumpy().reshape(-1, 784), np.asarray(ds._label, dtype=np.int32)]
    return Mnist(*arrays)


def subset(X, y, size, seed):
    """A seeded random subset of `size` examples (all of them, in order, when size >= len)."""
    if size >= len(y):
        return X, y
    idx = np.random.RandomState(seed).choice(len(y), size, replace=False)
    return X[np.sort(idx)], y[np.sort(idx)]


def noisy_labels(y, fraction, seed, num_classes=10):
    """A copy of y where a seeded `fraction` of entries are replaced by uniform random classes."""
    rng = np.random.RandomState(seed)
    y = y.copy()
    chosen = rng.choice(len(y), int(round(fraction * len(y))), replace=False)
    y[chosen] = rng.randint(0, num_classes, size=len(chosen))
    return y


def corrupt_inputs(X, kind, seed):
    """The input corruptions of Zhang et al. 2017: 'pixels' (none), 'shuffled', 'random' or 'gaussian'."""
    rng = np.random.RandomState(seed)
    if kind == "pixels":
        return X
    if kind == "shuffled":  # one fixed permutation of pixel positions, the same for every image
        return X[:, rng.permutation(X.shape[1])]
    if kind == "random":  # a new permutation for each image
        return np.take_along_axis(X, np.argsort(rng.rand(*X.shape), axis=1), axis=1)
    if kind == "gaussian":  # noise with the data set's mean and spread
        noise = rng.normal(X.mean(), X.std(), size=X.shape)
        return np.clip(np.round(noise), 0, 255).astype(np.uint8)
    raise ValueError(f"unknown input kind {kind!r}")
