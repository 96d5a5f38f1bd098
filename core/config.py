"""Every hyperparameter defined once: default, range and help text.

Widgets, shareable links, the command line and the runner all read these tables, so a value
that is out of range is refused or clamped the same way everywhere.
"""
import math
import re
from dataclasses import asdict, dataclass, fields, replace
from types import SimpleNamespace

from core import cost

INPUT_KINDS = ("pixels", "shuffled", "random", "gaussian")
INPUT_LABELS = {"pixels": "real images", "shuffled": "shuffled pixels (one fixed permutation)",
                "random": "random pixels (a new permutation per image)", "gaussian": "Gaussian noise"}


@dataclass(frozen=True)
class Param:
    """One hyperparameter: its type, default, inclusive range and a one-line help."""

    kind: type
    default: object
    lo: float = None
    hi: float = None
    help: str = ""
    step: float = None
    choices: tuple = ()

    def bounds(self):
        """(lo, hi) typed as the value is, as a number widget takes them."""
        return self.kind(self.lo), self.kind(self.hi)


PARAMS = {
    "epochs": Param(int, 10, 1, 500, "Passes over the training set.", 1),
    "batch_size": Param(int, 64, 1, 1024, "Images per gradient step.", 1),
    "lr": Param(float, 0.001, 1e-5, 1.0, "Step size, applied to the loss summed over the batch "
                "(0.001 on the sum of 64 losses is 0.064 on their mean).", 0.0001),
    "drop_prob": Param(float, 0.5, 0.0, 1.0, "Chance that each hidden unit is zeroed on a training pass.", 0.01),
    "drop_prob1": Param(float, 0.5, 0.0, 1.0, "Drop probability after the first hidden layer.", 0.05),
    "drop_prob2": Param(float, 0.5, 0.0, 1.0, "Drop probability after the second hidden layer.", 0.05),
    "seed": Param(int, 1, 0, 999_999, "Seed for the weights, the shuffling and the dropout masks.", 1),
    "train_size": Param(int, 60_000, 100, 60_000, "Training images used (a seeded subset of MNIST's 60,000).", 100),
    "label_noise": Param(float, 0.0, 0.0, 1.0, "Fraction of training labels replaced by random ones.", 0.1),
    "eval_size": Param(int, 0, 0, 60_000, "Images per accuracy check (0: the whole set).", 100),
    "eval_every": Param(int, 1, 1, 50, "Epochs between accuracy checks (the last epoch is always checked).", 1),
    "hidden1": Param(int, 256, 8, 1024, "Units in the first hidden layer.", 8),
    "hidden2": Param(int, 128, 8, 1024, "Units in the second hidden layer.", 8),
    "inputs": Param(str, "pixels", help="What the net sees.", choices=INPUT_KINDS),
    "rows": Param(int, 5, 1, 10, "Rows of the toy matrix.", 1),
    "cols": Param(int, 4, 1, 10, "Columns of the toy matrix.", 1),
    "samples": Param(int, 50, 1, 1000, "Thinned nets whose softmax outputs are averaged (T).", 1),
    "repeats": Param(int, 3, 1, 20, "Independent draws of every average, for the spread.", 1),
    "test_size": Param(int, 1000, 100, 10_000, "Test images the averages are scored on (a seeded subset).", 100),
    "sample_seed": Param(int, 1, 0, 999_999, "Seed of the dropout masks drawn at prediction time.", 1),
    "digit": Param(int, 2, 0, 9_999, "Test image to inspect: its index among MNIST's 10,000 test images.", 1),
    "ask": Param(int, 1, 0, 1, "Ask a question before the run (0: a teacher turned it off in the link).", 1),
}


def parse_value(name, raw):
    """(value, note) for a raw value of PARAMS[name]: clamped into range, or (None, note) if unusable."""
    p = PARAMS[name]
    if p.kind is str:
        raw = str(raw).strip()
        return (raw, None) if raw in p.choices else (None, f"{name}: `{_short(raw)}` is not one of "
                                                     f"{', '.join(p.choices)}; ignored.")
    try:
        number = float(str(raw).strip()) if not isinstance(raw, (int, float)) else float(raw)
    except ValueError:
        return None, f"{name}: `{_short(raw)}` is not a number; ignored."
    if math.isnan(number):
        return None, f"{name}: NaN is not a number; ignored."
    clamped = min(max(number, p.lo), p.hi)
    value = int(round(clamped)) if p.kind is int else clamped
    if clamped != number:
        return value, f"{name}: `{_short(raw)}` is outside {_fmt(p.lo)}..{_fmt(p.hi)}; using {_fmt(value)}."
    return value, None


def _short(raw, limit=24):
    """The raw value made safe to show: at most `limit` characters, anything odd replaced by '?' (backticks too, so
    that it can sit in a Markdown code span, where nothing in it becomes a link or markup)."""
    text = re.sub(r"[^\w.+-]", "?", str(raw))
    return text if len(text) <= limit else text[:limit] + "..."


def _fmt(x):
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def check(name, value):
    """Raise ValueError unless value is an allowed value of PARAMS[name]."""
    p = PARAMS[name]
    if p.kind is str:
        if value not in p.choices:
            raise ValueError(f"{name} must be one of {', '.join(p.choices)}, got {value!r}")
        return
    ok_type = isinstance(value, int) if p.kind is int else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        raise ValueError(f"{name} must be {'an integer' if p.kind is int else 'a number'}, got {value!r}")
    if math.isnan(value) or not p.lo <= value <= p.hi:
        raise ValueError(f"{name} must be in {_fmt(p.lo)}..{_fmt(p.hi)}, got {value!r}")


def _default(name):
    return PARAMS[name].default


@dataclass(frozen=True)
class TrainConfig:
    """One training run; its results depend on these values and nothing else. Defaults (PARAMS'): the lesson's run."""

    epochs: int = _default("epochs")
    batch_size: int = _default("batch_size")
    lr: float = _default("lr")
    drop_prob1: float = _default("drop_prob1")
    drop_prob2: float = _default("drop_prob2")
    seed: int = _default("seed")
    train_size: int = _default("train_size")
    label_noise: float = _default("label_noise")
    inputs: str = _default("inputs")
    eval_size: int = _default("eval_size")
    eval_every: int = _default("eval_every")
    hidden1: int = _default("hidden1")
    hidden2: int = _default("hidden2")

    def __post_init__(self):
        for f in fields(self):
            check(f.name, getattr(self, f.name))
        secs = cost.seconds(self)
        if secs > cost.MAX_RUN_SECONDS:
            raise ValueError(f"this run would take about {cost.describe(secs)} of a training worker, more than the "
                             f"{cost.describe(cost.MAX_RUN_SECONDS)} one run may take; lower epochs or train_size, "
                             "or raise batch_size")

    @property
    def drop_probs(self):
        return (self.drop_prob1, self.drop_prob2)

    def with_dropout(self, drop_prob):
        """The same run with both hidden layers at drop_prob (the 'twin' comparison)."""
        return replace(self, drop_prob1=drop_prob, drop_prob2=drop_prob)

    def twin(self):
        """The run to compare with: the same run without dropout, or with dropout 0.5 if it has none."""
        return self.with_dropout(0.0 if max(self.drop_probs) > 0 else 0.5)

    def label(self):
        """A short human name for the run, e.g. 'drop 0.5/0.5, lr 0.001, 60,000 imgs, seed 1'."""
        return (f"drop {self.drop_prob1:g}/{self.drop_prob2:g}, lr {self.lr:g}, batch {self.batch_size}, "
                f"{self.train_size:,} imgs, seed {self.seed}")


def shape(values):
    """The run a form's values describe, unchecked, for pricing: TrainConfig's defaults with these values."""
    return SimpleNamespace(**{**asdict(TrainConfig()), **values})


def _largest(ok, lo, hi):
    """The largest n in lo..hi with ok(n) (ok holds for small n and not beyond some point), or None."""
    if not ok(lo):
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid - 1)
    return lo


def _doublings(start, stop):
    """start, 2 x start, 4 x start, ... up to stop (included): the batch sizes a too-dear run is offered."""
    while start < stop:
        yield start
        start *= 2
    yield stop


def fit_budget(values, price=None):
    """(values, notes): epochs lowered, and if one epoch is still too much the batch size raised, until the run
    costs at most core.cost.MAX_RUN_SECONDS. price(values) -> worker-seconds (default: core.cost on shape(values))."""
    price = price or (lambda v: cost.seconds(shape(v)))
    out, notes, limit = dict(values), [], cost.MAX_RUN_SECONDS
    if price(out) <= limit:
        return out, notes
    secs = price(out)
    cap = _largest(lambda e: price({**out, "epochs": e}) <= limit, 1, out["epochs"])
    batch = out.get("batch_size", PARAMS["batch_size"].default)
    if cap is not None:
        notes.append(f"epochs: {out['epochs']} epochs of {out['train_size']:,} images in batches of {batch} would "
                     f"take about {cost.describe(secs)} of a training worker, more than the "
                     f"{cost.describe(limit)} one run may take; using {cap}. Fewer training images or a larger "
                     "batch size leave room for more epochs.")
        out["epochs"] = cap
        return out, notes
    out["epochs"] = 1
    hi = int(PARAMS["batch_size"].hi)
    low = next((b for b in _doublings(batch, hi) if price({**out, "batch_size": b}) <= limit), None)
    if low is None:  # not even the largest batch: fewer images
        size = _largest(lambda n: price({**out, "train_size": n, "batch_size": int(PARAMS["batch_size"].hi)}) <= limit,
                        int(PARAMS["train_size"].lo), out["train_size"]) or int(PARAMS["train_size"].lo)
        notes.append(f"train_size: one epoch of {out['train_size']:,} images would take about {cost.describe(secs)} "
                     f"of a training worker, more than the {cost.describe(limit)} one run may take; using one epoch "
                     f"of {size:,} images in batches of {int(PARAMS['batch_size'].hi)}.")
        out.update(train_size=size, batch_size=int(PARAMS["batch_size"].hi))
        return out, notes
    notes.append(f"batch_size: batches of {batch} would take about {cost.describe(secs)} of a training worker "
                 f"(every step has a fixed price), more than the {cost.describe(limit)} one run may take; using one "
                 f"epoch in batches of {low}. Fewer training images allow smaller batches.")
    out["batch_size"] = low
    return out, notes


def from_values(values, defaults, names=None, price=None):
    """Validated values for `names` from a mapping of raw strings or numbers, with one note per fix.

    Missing names take their value from `defaults`; unusable ones are dropped (default kept) and
    out-of-range ones clamped; a run that would cost more than one run may is cut to fit (fit_budget, with
    `price`). Returns (dict of values, list of notes).
    """
    out, notes = dict(defaults), []
    for name in names or defaults:
        if name in values:
            value, note = parse_value(name, values[name])
            if value is not None:
                out[name] = value
            if note:
                notes.append(note)
    if "epochs" in out and "train_size" in out:
        out, budget_notes = fit_budget(out, price)
        notes += budget_notes
    return out, notes


# ---- lesson 4's request (python -m core.predict and the prediction page) ------------------------------------


SAMPLES = (1, 2, 5, 10, 20, 50, 100)  # the T values the page compares
ANGLES = tuple(range(0, 181, 15))  # a digit turned in steps of 15 degrees, upright to upside down
DEFAULT_TRAIN = TrainConfig(epochs=5, train_size=20_000)  # the page's nets (~13 s to train)
MAX_SAMPLES = 12  # distinct T values per request
MAX_ANGLES = 25
MAX_SAMPLED_PASSES = 5_000_000  # work one request may cost: repeats x largest T x test images
UNITS_SHOWN = 16  # first-layer units drawn as images


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
