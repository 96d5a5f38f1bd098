"""The lesson's training loop as a generator of small event records (python -m core.train drives it).

    for event in train(TrainConfig(epochs=1, train_size=2000)):
        print(event)

Events are plain dicts (they cross process boundaries and become JSON):
  {"kind": "start", "batches_per_epoch", "total_batches"}
  {"kind": "batch", "step", "epoch", "moving_loss"}        every `loss_every` batches
  {"kind": "epoch", "epoch", "moving_loss", "train_acc", "test_acc", "seconds"}  every eval_every epochs
  {"kind": "done", "status": "finished" | "stopped" | "diverged", "message", "predictions"}  (a core.status.Status)
"""
import math
import time

import numpy as np

from core.config import TrainConfig
from core.nn.data import corrupt_inputs, load_mnist, noisy_labels, subset
from core.nn.model import STATIC, CountCorrect, CountCorrectOn, Predict, SGDUpdate, TrainLoss, init_params, scale_pixels
from core.nn.mx import autograd, mx, nd
from core.status import Status

EVAL_BATCH = 10_000  # images per forward pass when measuring accuracy
FLOAT_IMAGES = 12_000  # sets up to this many images are scaled to float32 once per run (at most ~38 MB each)
LOSS_POINTS = 300  # about this many moving-loss points per run, whatever its length (what a chart shows)
NUM_PREDICTIONS = 24  # test images whose predictions the final event carries
SYNC_EVERY = 50  # batches between reads of the losses from the device (about 0.1 s on full MNIST)
DIVERGED_LOSS = 100.0  # a moving loss above this (the start is about ln 10 = 2.3) means the run blew up


def prepare(cfg, mnist):
    """The run's data as NDArrays: (train_X, train_y, eval sets as a list of (X, y)), all seeded by cfg."""
    X, y = subset(mnist.train_X, mnist.train_y, cfg.train_size, cfg.seed)
    X = corrupt_inputs(X, cfg.inputs, cfg.seed)
    y_noisy = noisy_labels(y, cfg.label_noise, cfg.seed + 1) if cfg.label_noise else y
    test_X = mnist.test_X
    if cfg.inputs == "shuffled":  # the same fixed permutation of pixel positions as the training images
        test_X = corrupt_inputs(test_X, "shuffled", cfg.seed)
    elif cfg.inputs != "pixels":  # fresh random draws, so test inputs are not copies of training inputs
        test_X = corrupt_inputs(test_X, cfg.inputs, cfg.seed + 3)
    train_eval = _eval_subset(X, y_noisy, cfg.eval_size, cfg.seed)
    test_eval = _eval_subset(test_X, mnist.test_y, cfg.eval_size, cfg.seed)
    arrays = {}  # one NDArray per numpy array: the full training set is also its own evaluation set

    def to_nd(a):
        return arrays.setdefault(id(a), nd.array(a, dtype=a.dtype))

    return to_nd(X), to_nd(y_noisy), [tuple(map(to_nd, s)) for s in (train_eval, test_eval)]


def _eval_subset(X, y, size, seed):
    return (X, y) if not size else subset(X, y, size, seed + 2)


def as_net_input(X_bytes):
    """(X, pixels): a set of up to FLOAT_IMAGES images scaled to float32 once; a larger one stays uint8 pixels."""
    if len(X_bytes) > FLOAT_IMAGES:
        return X_bytes, True  # scaled batch by batch inside the compiled graph, as memory is worth more here
    return scale_pixels(X_bytes), False  # the same op, run once instead of once per epoch


def net_inputs():
    """as_net_input for one run, remembered per array: the training set, when it is also an evaluation set,
    is scaled once rather than twice."""
    done = {}  # id(X_bytes) -> (X_bytes, its net input); X_bytes is held so that its id stays its own

    def net_input(X_bytes):
        if id(X_bytes) not in done:
            done[id(X_bytes)] = (X_bytes, as_net_input(X_bytes))
        return done[id(X_bytes)][1]
    return net_input


def evaluate_accuracy(predict, X, y, batch_size=EVAL_BATCH):
    """Fraction of images in X whose predicted class equals y, in large batches, one sync at the end."""
    correct = nd.zeros((1,))
    for i in range(0, len(y), batch_size):
        correct += (predict(X[i:i + batch_size]) == y[i:i + batch_size].astype("float32")).sum()
    return float(correct.asscalar()) / len(y)


class Accuracies:
    """Accuracy on each evaluation set: compiled counts over batches of up to EVAL_BATCH images, one sync.

    A set of its own (not the training images themselves) of up to FLOAT_IMAGES images, which is copied as floats
    anyway, is copied cut down to the pixels that are not blank in every one of its images (CountCorrectOn): on
    MNIST's test set that leaves out 116 of 784 pixels, an eighth of the multiply-adds of every check. Larger sets,
    and the training images when they are also an evaluation set, are read whole in place rather than copied.
    """

    def __init__(self, loss_fn, sets, batch_size=EVAL_BATCH, net_input=as_net_input, training_images=None):
        counters = {}  # one compiled graph per input kind (uint8 pixels or scaled floats; whole or cut down)
        self.batches, self.sizes = [], [len(y) for _, y in sets]
        for k, (X_bytes, y) in enumerate(sets):
            own = X_bytes is not training_images and 0 < len(y) <= FLOAT_IMAGES
            used = used_pixels(X_bytes) if own else None
            if used is None:
                X, pixels = net_input(X_bytes)
            else:
                X, pixels = as_net_input(nd.take(X_bytes, used, axis=1))
            if (pixels, used is None) not in counters:
                counter = CountCorrect(loss_fn, pixels) if used is None else CountCorrectOn(loss_fn, pixels)
                counter.hybridize(**STATIC)
                counters[pixels, used is None] = counter
            count = counters[pixels, used is None]
            extra = () if used is None else (used,)
            y = y.astype("float32")  # the labels as the graph compares them, converted once
            self.batches += [(k, count, (X[i:i + batch_size], y[i:i + batch_size], *extra))
                             for i in range(0, len(y), batch_size)]

    def __call__(self):
        """The fraction of each set the net classifies correctly now, read from the device once."""
        counts = nd.concat(*[count(*inputs) for _, count, inputs in self.batches], dim=0).asnumpy()
        correct = [0.0] * len(self.sizes)
        for (k, *_), count in zip(self.batches, counts.tolist()):
            correct[k] += count
        return [c / size for c, size in zip(correct, self.sizes)]


def used_pixels(X_bytes):
    """The indices (float32, as nd.take reads them) of the pixels not blank in every image of X_bytes, or None
    when every pixel is used somewhere (or none is: a set of blank images keeps its shape)."""
    used = np.flatnonzero(X_bytes.asnumpy().any(axis=0))
    return nd.array(used, dtype="float32") if 0 < len(used) < X_bytes.shape[1] else None


def train(cfg=TrainConfig(), mnist=None, should_stop=None, trained=None):
    """Train the lesson's MLP on `cfg`, yielding events; stops between batches once should_stop() is true.

    When `trained` is a list, a finished run appends its final parameters [W1, b1, W2, b2, W3, b3] to it
    (each W holds one row per unit, the layout core.model.net reads).
    """
    if mnist is None:
        mnist = load_mnist()
    train_X, train_y, eval_sets = prepare(cfg, mnist)
    mx.random.seed(cfg.seed)
    net_input = net_inputs()
    X, pixels = net_input(train_X)
    loss_fn = TrainLoss(init_params(cfg.seed, (cfg.hidden1, cfg.hidden2)), cfg.drop_probs, pixels)
    loss_fn.hybridize(**STATIC)
    weights = list(loss_fn.collect_params().values())
    params = [p.data() for p in weights]
    update = SGDUpdate(params, [p.grad() for p in weights], cfg.lr)  # ops.sgd_step, compiled
    accuracies = Accuracies(loss_fn, eval_sets, net_input=net_input, training_images=train_X)  # eval_size 0: shared

    n = len(train_y)
    batches_per_epoch = math.ceil(n / cfg.batch_size)
    total = batches_per_epoch * cfg.epochs
    loss_every = max(1, math.ceil(total / LOSS_POINTS))
    yield {"kind": "start", "batches_per_epoch": batches_per_epoch, "total_batches": total,
           "loss_every": loss_every}
    shuffle = np.random.RandomState(cfg.seed)
    moving_loss, step = MovingLoss(), 0
    X_epoch, y_epoch = nd.zeros_like(X), nd.zeros_like(train_y)  # reused: one shuffled copy at a time
    batches = [(X_epoch[i:i + cfg.batch_size], y_epoch[i:i + cfg.batch_size]) for i in range(0, n, cfg.batch_size)]
    batch_means = nd.zeros((batches_per_epoch,))  # this epoch's batch-mean losses, kept on the device
    mean_slots = [batch_means[j:j + 1] for j in range(batches_per_epoch)]  # views, like the batches: made once
    for epoch in range(cfg.epochs):
        start = time.perf_counter()
        order = nd.array(shuffle.permutation(n), dtype="int64")
        nd.take(X, order, out=X_epoch)
        nd.take(train_y, order, out=y_epoch)
        synced = 0  # batches of this epoch already read back from the device
        for j, (X_batch, y_batch) in enumerate(batches):
            if should_stop is not None and should_stop():
                yield _done(Status.STOPPED, "Stopped on request.", epoch)
                return
            with autograd.record():
                loss = loss_fn(X_batch, y_batch)
            loss.backward()  # gradient of the SUM over the batch, as in the lesson
            update(loss, mean_slots[j])  # every parameter steps against its gradient; the batch's mean loss kept
            first_point = step == 0 and j + 1 == loss_every  # the live chart's first point, as early as possible
            if j + 1 - synced == SYNC_EVERY or j + 1 == batches_per_epoch or first_point:
                # Reading values back waits for the device, so do it for many batches at once.
                for value in batch_means[synced:j + 1].asnumpy().tolist():
                    step += 1
                    if not moving_loss.add(value) < DIVERGED_LOSS:  # also true for NaN
                        yield _diverged(cfg, epoch)
                        return
                    if step % loss_every == 0:
                        yield {"kind": "batch", "step": step, "epoch": step / batches_per_epoch,
                               "moving_loss": moving_loss.value}
                synced = j + 1
        if (epoch + 1) % cfg.eval_every == 0 or epoch + 1 == cfg.epochs:
            train_acc, test_acc = accuracies()
            yield {"kind": "epoch", "epoch": epoch, "moving_loss": moving_loss.value,
                   "train_acc": train_acc, "test_acc": test_acc, "seconds": time.perf_counter() - start}
    if trained is not None:
        trained.extend(p.copy() for p in params)
    yield _done(Status.FINISHED, f"Finished {cfg.epochs} epochs.", cfg.epochs,
                predictions=_predictions(Predict(loss_fn), eval_sets[1]))  # one call on 24 images: not compiled


class MovingLoss:
    """The lesson's moving loss: 0.99 x the previous value + 0.01 x the newest batch's mean loss."""

    def __init__(self):
        self.value = None

    def add(self, batch_mean):
        """Fold in one batch's mean loss (the first one starts the average) and return the new value."""
        self.value = batch_mean if self.value is None else 0.99 * self.value + 0.01 * batch_mean
        return self.value


def _done(status, message, epoch, predictions=None):
    return {"kind": "done", "status": status, "message": message, "epoch": epoch, "predictions": predictions}


def _diverged(cfg, epoch):
    return _done(Status.DIVERGED, f"The loss blew up in epoch {epoch + 1}: learning rate {cfg.lr:g} "
                 "is too large for this net. Try a rate ten times smaller.", epoch)


def _predictions(predict, test_eval):
    """The first test images with their true and predicted labels (images as uint8 lists)."""
    X, y = test_eval[0][:NUM_PREDICTIONS], test_eval[1][:NUM_PREDICTIONS]
    return {"images": X.asnumpy().tolist(), "labels": y.asnumpy().tolist(),
            "predicted": predict(X).asnumpy().astype(int).tolist()}
