"""Lesson 4: dropout at prediction time. What the full net stands in for, how sure it is, what dropout changed.

A trained net is asked three things (Srivastava et al. 2014, figs. 7, 8 and 11; Gal and Ghahramani 2016):
  averaging    test accuracy of the average of T sampled thinned nets, against the full net
  uncertainty  the T sampled predictions for single images (a chosen test digit, the same digit rotated in
               steps, the test images the net is least sure of), their mean and predictive entropy
  inside       first-layer weights as images; hidden activations: histogram, mean, fraction of zeros

    for event in run(PredictConfig(samples=(1, 10, 50))):
        print(event)

run() is what a runner worker executes for a "predict" task, and `python -m core.predict` prints its figures.
Its events are plain dicts (JSON-able):
  {"kind": "start", "total_batches", "cached"}    cached: the trained net was kept from an earlier request
  {"kind": "batch", "step", "phase": "train" | "predict", ...}   progress
  {"kind": "epoch", ...}                          training's own accuracy check (when the net is trained here)
  {"kind": "averaging", "samples", "mc_test_acc", "mc_test_accs", "full_test_acc", "test_size"}   one per T
  {"kind": "activations", "layer", "mean_activation", "zero_fraction", "size", "edges", "counts"}  per layer
  {"kind": "weights", "units", "images", "change_images"}   28x28 grey images, one per unit
  {"kind": "test_images", "index", "label", "full_pred", "mc_pred", "full_entropy", "mc_entropy"}
  {"kind": "image", "role": "digit" | "rotated" | "ambiguous", "index", "label", "angle", "pixels",
   "samples" (T rows of 10 softmax outputs), "mc", "full", "mc_entropy", "full_entropy"}   one per image
  {"kind": "done", "status": "finished" | "stopped" | "diverged" | "failed", "message"}

MXNet is imported inside the functions that compute, so a page can import this module (for PredictConfig
and the tables built from events) without loading MXNet on its script thread.
"""
import functools
import hashlib
import json
import math
import os
import tempfile
from collections import OrderedDict
from dataclasses import asdict, dataclass

import numpy as np

from core.config import PARAMS, TrainConfig, check, train_parser, train_values, use_every_core
from core.data import subset

SAMPLES = (1, 2, 5, 10, 20, 50, 100)  # the T values the page compares
ANGLES = tuple(range(0, 181, 15))  # a digit turned in steps of 15 degrees, upright to upside down
DEFAULT_TRAIN = TrainConfig(epochs=5, train_size=20_000)  # the page's nets (the probe; ~13 s to train)
MAX_SAMPLES = 12  # distinct T values per request
MAX_ANGLES = 25
MAX_SAMPLED_PASSES = 5_000_000  # work one request may cost: repeats x largest T x test images
TEST_SEED = 0  # which test images a test_size subset holds (the same for every request)
AMBIGUOUS = 8  # test images reported as the net's least sure
UNITS_SHOWN = 16  # first-layer units drawn as images
HIST_EDGES = tuple(np.round(np.linspace(0, 5, 51), 2).tolist())  # activation histogram bins (the last takes >= 4.9)
PROGRESS_EVENTS = 50  # progress events while sampling
KEEP = 8  # trained nets (and their figures) a worker keeps in memory
KEEP_FILES = 64  # files of each kind (nets, figures) kept in the cache folder


@dataclass(frozen=True)
class PredictConfig:
    """One prediction request: the net (its TrainConfig) and what to ask it. Equal requests share one job."""

    train: TrainConfig = DEFAULT_TRAIN
    samples: tuple = SAMPLES  # numbers of thinned nets averaged (T)
    repeats: int = PARAMS["repeats"].default  # independent draws of every average, for the spread
    sample_seed: int = PARAMS["sample_seed"].default  # seed of the masks drawn at prediction time
    test_size: int = PARAMS["test_size"].default  # test images the averages are scored on
    digit: int = PARAMS["digit"].default  # test image shown and rotated (2 is a "1", as in Gal's figure)
    angles: tuple = ANGLES

    def __post_init__(self):
        if not isinstance(self.train, TrainConfig):
            raise ValueError(f"train must be a TrainConfig, got {type(self.train).__name__}")
        try:
            samples, angles = tuple(self.samples), tuple(self.angles)
        except TypeError:
            raise ValueError("samples and angles must be lists of whole numbers") from None
        for t in samples:
            check("samples", t)
        object.__setattr__(self, "samples", tuple(sorted(set(samples))))  # (50, 1) asks what (1, 50) asks
        object.__setattr__(self, "angles", angles)
        if not 1 <= len(self.samples) <= MAX_SAMPLES:
            raise ValueError(f"samples must hold 1..{MAX_SAMPLES} values, got {len(self.samples)}")
        for name in ("repeats", "sample_seed", "test_size", "digit"):
            check(name, getattr(self, name))
        if len(self.angles) > MAX_ANGLES or not all(type(a) is int and -360 <= a <= 360 for a in self.angles):
            raise ValueError(f"angles must be at most {MAX_ANGLES} whole degrees in -360..360, got {self.angles}")
        if self.repeats * max(self.samples) * self.test_size > MAX_SAMPLED_PASSES:
            raise ValueError(f"repeats x largest T x test images must be at most {MAX_SAMPLED_PASSES:,} (got "
                             f"{self.repeats} x {max(self.samples)} x {self.test_size:,})")

    @property
    def num_samples(self):
        """Thinned nets drawn per round: the largest T."""
        return max(self.samples)

    def figures_key(self):
        """What the net-wide figures depend on (not the digit shown): a worker reuses them for other digits."""
        return self.train, self.samples, self.repeats, self.sample_seed, self.test_size

    def to_dict(self):
        return {**asdict(self), "samples": list(self.samples), "angles": list(self.angles)}

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        train = d.pop("train", None)
        train = TrainConfig(**train) if isinstance(train, dict) else DEFAULT_TRAIN if train is None else train
        return cls(train=train, **{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def twin_pair(cfg):
    """(net with dropout, its twin without) for a TrainConfig; a net trained without dropout gets a 0.5 twin."""
    return (cfg, cfg.twin()) if max(cfg.drop_probs) > 0 else (cfg.twin(), cfg)


# ---- the thinned nets --------------------------------------------------------------------------------------

def shared_first_layer(X, params):
    """Hidden layer 1 before its dropout: every thinned net computes exactly this, so it is computed once."""
    from core.model import dense
    from core.ops import relu
    return relu(dense(X, params[0], params[1], params[1].shape[0]))


def thinned_probs(h1, params, drop_probs):
    """Softmax outputs of freshly sampled thinned nets (one per row of h1), from the shared first layer h1.

    These are the steps of core.model.net(X, params, drop_probs, train=True) after its first layer, in the
    same order, so under one seed both draw the same masks (a test checks it).
    """
    from core.model import dense
    from core.ops import dropout, relu, softmax
    _, _, W2, b2, W3, b3 = params
    if drop_probs[0] > 0:
        h1 = dropout(h1, drop_probs[0])
    h2 = relu(dense(h1, W2, b2, b2.shape[0]))
    if drop_probs[1] > 0:
        h2 = dropout(h2, drop_probs[1])
    return softmax(dense(h2, W3, b3, b3.shape[0]))


def sample_probs(X, params, drop_probs, num_samples):
    """Softmax outputs of num_samples sampled thinned nets for each image in X: shape (num_samples, len(X), 10).

    One call of the lesson's net with dropout on, on X repeated num_samples times: dropout draws a fresh
    mask for every row, so every copy of every image goes through a thinned net of its own.
    """
    from core.model import net
    from core.mx import nd
    from core.ops import softmax
    y_hat = net(nd.tile(X, reps=(num_samples, 1)), params, drop_probs, train=True)
    return softmax(y_hat).reshape((num_samples, X.shape[0], -1))


def full_probs(X, params):
    """Softmax outputs of the full net: every unit kept (inverted dropout needs no rescaling here)."""
    from core.model import net
    from core.ops import softmax
    return softmax(net(X, params, train=False))


def running_sums(h1, params, drop_probs, num_samples):
    """For t = 1..num_samples: draw a fresh thinned net for every row of h1, yield (t, sum of the t outputs so far)."""
    from core.mx import nd
    total = nd.zeros((h1.shape[0], params[5].shape[0]))
    for t in range(1, num_samples + 1):
        total = total + thinned_probs(h1, params, drop_probs)
        yield t, total


def accuracy(probs, y):
    """Fraction of rows whose largest entry sits at the true class y (averaging or summing: same argmax)."""
    from core.mx import nd
    return float((nd.argmax(probs, axis=1) == y).sum().asscalar()) / len(y)  # counted, so 0.8655 stays 0.8655


def entropy(probs):
    """Predictive entropy of each row of probabilities, in nats: 0 when certain, ln 10 = 2.30 for a uniform guess."""
    probs = np.asarray(probs, dtype=np.float64)
    return (probs * -np.log(np.clip(probs, 1e-12, 1.0))).sum(axis=-1)


# ---- inside the net ----------------------------------------------------------------------------------------

def hidden_activations(h1, params):
    """Both hidden layers' outputs of the full net, from its first layer h1 (shared_first_layer), as numpy
    arrays (images x units)."""
    from core.model import dense
    from core.ops import relu
    h2 = relu(dense(h1, params[2], params[3], params[3].shape[0]))
    return h1.asnumpy(), h2.asnumpy()


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


def weights_event(cfg, W1, units):
    """The 'weights' event: these units' weights as images, and what training changed (minus the random start)."""
    from core.model import init_params
    start = init_params(cfg.seed, (cfg.hidden1, cfg.hidden2))[0].asnumpy()  # train() starts from exactly this
    as_lists = lambda images: images.reshape(len(units), -1).tolist()  # noqa: E731
    return {"kind": "weights", "units": units, "images": as_lists(weight_images(W1, units)),
            "change_images": as_lists(weight_images(W1 - start, units))}


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


# ---- trained nets and their figures, kept --------------------------------------------------------------------

_NETS = OrderedDict()  # TrainConfig -> trained parameters, in this process; most recently used last
_FIGURES = OrderedDict()  # PredictConfig.figures_key() -> (net-wide events, least sure test images)
TRAINING_CODE = ("data.py", "model.py", "ops.py", "train.py")


def _remember(cache, key, value):
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > KEEP:
        cache.popitem(last=False)


def cache_dir():
    """Folder of trained nets shared by every worker: $DROPOUT_NET_CACHE, else one in the system's temp folder."""
    return os.environ.get("DROPOUT_NET_CACHE") or os.path.join(tempfile.gettempdir(), "dropout-dashboard-nets")


@functools.lru_cache(maxsize=4)
def _code_digest(names):
    """A digest of these core modules: once their code changes, what they made is made again."""
    digest = hashlib.sha1()
    for name in names:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def _file_for(key, code, suffix):
    name = hashlib.sha1((json.dumps(key, sort_keys=True) + _code_digest(code)).encode()).hexdigest()[:24]
    return os.path.join(cache_dir(), name + suffix)


def cache_path(cfg):
    """The file that holds the net trained on cfg (about 1 MB), named by a hash of cfg and the training code."""
    return _file_for(asdict(cfg), TRAINING_CODE, ".params")


def figures_path(task):
    """The file that holds a request's net-wide figures (about 100 kB), named like cache_path."""
    train, *rest = task.figures_key()
    return _file_for([asdict(train), *rest], TRAINING_CODE + ("predict.py",), ".json")


def _write(path, save):
    """save(temporary path), then move it into place: two workers writing one file never mix their bytes."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        save(f"{path}.{os.getpid()}.tmp")
        os.replace(f"{path}.{os.getpid()}.tmp", path)
        suffix = os.path.splitext(path)[1]
        files = sorted((os.path.join(cache_dir(), n) for n in os.listdir(cache_dir()) if n.endswith(suffix)),
                       key=os.path.getmtime)
        for old in files[:-KEEP_FILES]:
            os.remove(old)
    except OSError:
        pass  # no writable folder: kept in this process only


def kept_net(cfg):
    """The parameters of the net trained on cfg if this process or the cache folder has them, else None."""
    if cfg in _NETS:
        _NETS.move_to_end(cfg)
        return _NETS[cfg]
    path = cache_path(cfg)
    if not os.path.exists(path):
        return None
    from core.mx import nd
    try:
        params = nd.load(path)
    except Exception:  # noqa: BLE001 - a damaged file only costs a retraining
        return None
    _remember(_NETS, cfg, params)
    return params


def keep_net(cfg, params):
    """Keep a trained net in this process and, if the folder is writable, in the cache folder."""
    from core.mx import nd
    _remember(_NETS, cfg, params)
    _write(cache_path(cfg), lambda tmp: nd.save(tmp, list(params)))


def kept_figures(task):
    """(net-wide events, least sure test images) for the request's net and sampling, if kept; else None."""
    if task.figures_key() in _FIGURES:
        return _FIGURES[task.figures_key()]
    try:
        with open(figures_path(task)) as f:
            saved = json.load(f)
        figures = (saved["events"], saved["least_sure"])
    except (OSError, ValueError, KeyError, TypeError):  # missing or damaged: computed again
        return None
    _remember(_FIGURES, task.figures_key(), figures)
    return figures


def keep_figures(task, figures):
    """Keep a request's net-wide figures, so another digit on the same net skips the sampling on any worker."""
    _remember(_FIGURES, task.figures_key(), figures)

    def save(tmp):
        with open(tmp, "w") as f:
            json.dump({"events": figures[0], "least_sure": figures[1]}, f)

    _write(figures_path(task), save)


# ---- the job ------------------------------------------------------------------------------------------------

def run(task=PredictConfig(), mnist=None, should_stop=None):
    """The events of one request: train the net (or reuse a kept one), then average, sample and look inside."""
    if mnist is None:
        from core.data import load_mnist
        mnist = load_mnist()
    stop = should_stop or (lambda: False)
    params = kept_net(task.train)
    figures = kept_figures(task) if params is not None else None
    predict_steps = (0 if figures else task.repeats * task.num_samples) + 1
    if params is None:
        params = []
        status, offset = yield from _train(task.train, mnist, stop, params, predict_steps)
        if status != "finished":
            return
        keep_net(task.train, params)
    else:
        offset = 0
        yield {"kind": "start", "total_batches": predict_steps, "cached": True}
    if figures is None:
        figures = yield from _net_figures(task, mnist, params, stop, offset)
        if figures is None:
            yield _done("stopped", "Stopped on request.")
            return
        keep_figures(task, figures)
    events, least_sure = figures
    yield from events
    if stop():
        yield _done("stopped", "Stopped on request.")
        return
    yield from image_events(task, mnist, params, least_sure)
    yield {"kind": "batch", "step": offset + predict_steps, "phase": "predict"}
    yield _done("finished", f"Sampled thinned nets on {task.test_size:,} test images "
                f"({task.repeats} x {task.num_samples}) and {1 + len(task.angles) + len(least_sure)} single images.")


def _done(status, message):
    return {"kind": "done", "status": status, "message": message}


def _train(cfg, mnist, stop, params, predict_steps):
    """Train cfg's net, passing on its progress; its parameters land in `params`.

    Returns (the run's status, its number of training batches).
    """
    from core.train import train
    for event in train(cfg, mnist, should_stop=stop, trained=params):
        if event["kind"] == "start":
            train_steps = event["total_batches"]
            yield {"kind": "start", "total_batches": event["total_batches"] + predict_steps, "cached": False}
        elif event["kind"] in ("batch", "epoch"):
            yield {**event, "phase": "train"}
        elif event["kind"] == "done":
            if event["status"] != "finished":
                yield _done(event["status"], event["message"])
            return event["status"], train_steps


def _net_figures(task, mnist, params, stop, offset):
    """(net-wide events, least sure test images), passing on progress; None if stopped while sampling."""
    from core.model import scale_pixels
    from core.mx import mx, nd
    index, y = subset(np.arange(len(mnist.test_y)), mnist.test_y, task.test_size, TEST_SEED)
    X = scale_pixels(nd.array(mnist.test_X[index]))
    y_nd = nd.array(y, dtype="float32")
    full = full_probs(X, params)
    full_acc = accuracy(full, y_nd)
    drop_probs = task.train.drop_probs
    accs = {t: [] for t in task.samples}
    mc = full
    every = max(1, task.repeats * task.num_samples // PROGRESS_EVENTS)
    h1 = shared_first_layer(X, params)  # the full net's first layer, and every thinned net's before its dropout
    if not any(drop_probs):  # without dropout every thinned net is the full net: nothing to sample
        accs = {t: [full_acc] * task.repeats for t in task.samples}
    else:
        mx.random.seed(task.sample_seed)
        for r in range(task.repeats):
            for t, total in running_sums(h1, params, drop_probs, task.num_samples):
                if stop():
                    return None
                if t in accs:
                    accs[t].append(accuracy(total, y_nd))
                if r == 0 and t == task.num_samples:
                    mc = total / t
                step = r * task.num_samples + t
                if step % every == 0:
                    total.wait_to_read()  # the engine runs ahead asynchronously: report work that is done
                    yield {"kind": "batch", "step": offset + step, "phase": "predict"}
    events = [{"kind": "averaging", "samples": t, "mc_test_acc": float(np.mean(accs[t])), "mc_test_accs": accs[t],
               "full_test_acc": full_acc, "test_size": task.test_size} for t in task.samples]
    for layer, h in enumerate(hidden_activations(h1, params), 1):
        events.append({"kind": "activations", "layer": layer, **activation_stats(h)})
    events.append(weights_event(task.train, params[0].asnumpy(), list(range(UNITS_SHOWN))))
    full_np, mc_np = full.asnumpy(), mc.asnumpy()
    mc_entropy = entropy(mc_np)
    events.append({"kind": "test_images", "index": index.tolist(), "label": y.tolist(),
                   "full_pred": full_np.argmax(1).tolist(), "mc_pred": mc_np.argmax(1).tolist(),
                   "full_entropy": _rounded(entropy(full_np)), "mc_entropy": _rounded(mc_entropy)})
    least_sure = index[np.argsort(-mc_entropy, kind="stable")[:AMBIGUOUS]].tolist()
    return events, least_sure


def _rounded(a, digits=4):
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def image_events(task, mnist, params, least_sure):
    """One 'image' event per single image: the chosen digit, that digit turned by each angle, the least sure."""
    from core.model import scale_pixels
    from core.mx import mx, nd
    digit = mnist.test_X[task.digit].reshape(28, 28)
    shown = ([("digit", task.digit, None, digit)] +
             [("rotated", task.digit, a, rotate(digit, a)) for a in task.angles] +
             [("ambiguous", i, None, mnist.test_X[i].reshape(28, 28)) for i in least_sure])
    pixels = np.stack([img.reshape(-1) for *_, img in shown])
    X = scale_pixels(nd.array(pixels))
    mx.random.seed(task.sample_seed + 1)  # the same draws whether or not this worker had the figures kept
    samples = sample_probs(X, params, task.train.drop_probs, task.num_samples).asnumpy()
    full = full_probs(X, params).asnumpy()
    mc = samples.mean(axis=0)
    mc_h, full_h = entropy(mc), entropy(full)
    for k, (role, index, angle, _) in enumerate(shown):
        yield {"kind": "image", "role": role, "index": index, "label": int(mnist.test_y[index]), "angle": angle,
               "pixels": pixels[k].tolist(), "samples": _rounded(samples[:, k]), "mc": _rounded(mc[k]),
               "full": _rounded(full[k]), "mc_entropy": float(mc_h[k]), "full_entropy": float(full_h[k])}


# ---- the command line ---------------------------------------------------------------------------------------

def _int_list(text):
    import argparse
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, e.g. 1,10,50; got {text!r}")


def parse_args(argv=None):
    """(PredictConfig, jsonl) from the command line; a bad value exits 2 with one line on stderr."""
    parser = train_parser("python -m core.predict", "Train the lesson's MLP, then compare the average of T sampled "
                          "thinned nets with the full net and look inside it.")
    parser.add_argument("--samples", type=_int_list, default=SAMPLES, help="Numbers of thinned nets averaged, "
                        "e.g. 1,10,50 (default: " + ",".join(map(str, SAMPLES)) + ").")
    parser.add_argument("--repeats", type=int, default=PARAMS["repeats"].default, help=PARAMS["repeats"].help)
    parser.add_argument("--test-size", type=int, default=10_000, help="Test images the averages are scored on "
                        "(default: all 10,000).")
    parser.add_argument("--sample-seed", type=int, default=PARAMS["sample_seed"].default,
                        help=PARAMS["sample_seed"].help)
    parser.add_argument("--jsonl", action="store_true", help="Print one JSON object per T and per hidden layer.")
    args = parser.parse_args(argv)
    return parser.checked(lambda: PredictConfig(TrainConfig(**train_values(args)), samples=args.samples,
                                                repeats=args.repeats, test_size=args.test_size,
                                                sample_seed=args.sample_seed)), args.jsonl


def cli_line(event, jsonl):
    """The printed line for an averaging or activations event (None for other events)."""
    if event["kind"] == "averaging":
        accs = event["mc_test_accs"]
        row = {"samples": event["samples"], "mc_test_acc": event["mc_test_acc"], "mc_test_acc_min": min(accs),
               "mc_test_acc_max": max(accs), "repeats": len(accs), "full_test_acc": event["full_test_acc"],
               "test_size": event["test_size"]}
        return json.dumps(row) if jsonl else (
            f"T = {row['samples']}: average of T thinned nets {row['mc_test_acc']:.2%} ({min(accs):.2%}.."
            f"{max(accs):.2%} over {len(accs)} draws), full net {row['full_test_acc']:.2%}")
    if event["kind"] == "activations":
        row = {k: event[k] for k in ("layer", "mean_activation", "zero_fraction")}
        return json.dumps(row) if jsonl else (f"Hidden layer {row['layer']}: mean activation "
                                              f"{row['mean_activation']:.3f}, zeros {row['zero_fraction']:.1%}")
    return None


def main(argv=None):
    import sys

    from core.train import run_cli

    task, jsonl = parse_args(argv)

    def show(event):
        if event["kind"] == "epoch":
            print(f"training: epoch {event['epoch'] + 1}, test accuracy {event['test_acc']:.2%}", file=sys.stderr)
        elif (line := cli_line(event, jsonl)) is not None:
            print(line, flush=True)

    return run_cli(run(task), show)

if __name__ == "__main__":
    use_every_core()  # before MXNet loads (main imports it)
    raise SystemExit(main())


# ---- a drawn digit -------------------------------------------------------------------------------------------

DRAW_SAMPLES = 100  # thinned nets that read a drawn digit


def drawing_answers(nets, pixels, digit, mnist=None, samples=DRAW_SAMPLES, sample_seed=1):
    """What each kept net says about a drawn digit (784 pixels 0..255) and about test image `digit`.

    nets: TrainConfigs of nets trained and kept earlier (kept_net); a net not kept yet is None in the answer.
    Returns [per net: None or {"drawn": answer, "test": answer}], an answer being the full net's probabilities
    and entropy, and the `samples` thinned nets' votes (how many picked each class), mean and entropy. The same
    seed gives the same votes. Runs MXNet: call it on the runner's MXNet thread (Runner.call).
    """
    from core.model import scale_pixels
    from core.mx import mx, nd
    if mnist is None:
        from core.data import load_mnist
        mnist = load_mnist()
    test = mnist.test_X[digit].reshape(-1)
    X = scale_pixels(nd.array(np.stack([np.asarray(pixels, dtype=np.uint8), test])))
    out = []
    for cfg in nets:
        params = kept_net(cfg)
        if params is None:
            out.append(None)
            continue
        mx.random.seed(sample_seed)
        drawn = sample_probs(X, params, cfg.drop_probs, samples).asnumpy()  # (samples, 2, 10)
        full = full_probs(X, params).asnumpy()
        out.append({role: _answer(drawn[:, k], full[k]) for k, role in enumerate(("drawn", "test"))})
    return out


def _answer(samples, full):
    mc = samples.mean(axis=0)
    return {"full": _rounded(full), "full_entropy": float(entropy(full)), "votes":
            np.bincount(samples.argmax(axis=1), minlength=samples.shape[1]).tolist(),
            "mc": _rounded(mc), "mc_entropy": float(entropy(mc))}
