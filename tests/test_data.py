"""MNIST from the bundled files: shapes, ranges, seeded subsets and label noise, damaged files."""
import os
import shutil

import numpy as np
import pytest

from core.nn.data import DATA_DIR, MNIST_FILES, DataError, check_files, corrupt_inputs, load_mnist, noisy_labels, subset


def test_shapes_and_ranges(mnist):
    assert mnist.train_X.shape == (60000, 784) and mnist.test_X.shape == (10000, 784)
    assert mnist.train_X.dtype == np.uint8 and mnist.train_X.max() == 255
    assert set(np.unique(mnist.train_y)) == set(range(10))
    assert mnist.train_y[:5].tolist() == [5, 0, 4, 1, 9]  # MNIST's well-known first labels


def test_subset_is_seeded(mnist):
    X1, y1 = subset(mnist.train_X, mnist.train_y, 1000, seed=1)
    X2, y2 = subset(mnist.train_X, mnist.train_y, 1000, seed=1)
    X3, _ = subset(mnist.train_X, mnist.train_y, 1000, seed=2)
    assert X1.shape == (1000, 784) and np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_label_noise_is_seeded_and_leaves_the_input_alone(mnist):
    y = mnist.train_y[:5000]
    original = y.copy()
    noisy = noisy_labels(y, 0.5, seed=4)
    assert np.array_equal(y, original)
    assert np.array_equal(noisy, noisy_labels(y, 0.5, seed=4))
    changed = (noisy != y).mean()
    assert 0.40 < changed < 0.50  # half replaced, a tenth of those by chance with the same label
    assert np.array_equal(noisy_labels(y, 0.0, seed=4), y)


def test_input_corruptions_keep_shape_and_dtype(mnist):
    X = mnist.train_X[:50]
    for kind in ("pixels", "shuffled", "random", "gaussian"):
        out = corrupt_inputs(X, kind, seed=0)
        assert out.shape == X.shape and out.dtype == np.uint8
    shuffled = corrupt_inputs(X, "shuffled", 0)
    assert np.array_equal(np.sort(shuffled, axis=1), np.sort(X, axis=1))
    with pytest.raises(ValueError):
        corrupt_inputs(X, "nonsense", 0)


def test_damaged_file_is_named_with_its_sha1(tmp_path):
    for name in MNIST_FILES:
        shutil.copy(os.path.join(DATA_DIR, name), tmp_path / name)
    check_files(tmp_path)
    target = "t10k-labels-idx1-ubyte.gz"
    (tmp_path / target).write_bytes(b"not the real file")
    with pytest.raises(DataError) as err:
        load_mnist(tmp_path)
    assert target in str(err.value) and MNIST_FILES[target] in str(err.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError) as err:
        check_files(tmp_path)
    assert "missing" in str(err.value) and "train-images-idx3-ubyte.gz" in str(err.value)


def test_corrupted_inputs_apply_to_the_test_set_with_fresh_draws(mnist):
    from core.config import TrainConfig
    from core.nn.train import prepare
    train_X, _, (_, (test_X, _)) = prepare(TrainConfig(train_size=1000, inputs="gaussian", eval_size=1000), mnist)
    assert (train_X.asnumpy() == test_X.asnumpy()).mean() < 0.5  # not copies of the training noise
    shuffled = prepare(TrainConfig(train_size=1000, inputs="random", eval_size=1000), mnist)[2][1][0].asnumpy()
    clean = prepare(TrainConfig(train_size=1000, inputs="pixels", eval_size=1000), mnist)[2][1][0].asnumpy()
    assert not np.array_equal(shuffled, clean)  # the test images' pixels were moved too...
    assert np.array_equal(np.sort(shuffled, axis=1), np.sort(clean, axis=1))  # ...within each image
