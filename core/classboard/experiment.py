"""What a class experiment varies and holds fixed, and which training runs count for it.

Two experiments echo Srivastava et al. (2014):
  drop_prob   every student trains the same subset with a different drop probability (their fig. 9);
  train_size  students train subsets of different sizes, with and without dropout (their fig. 10).
A *cell* is one point of the sweep: the TrainConfig fields a student sets, e.g. {"drop_prob1": 0.3,
"drop_prob2": 0.3}. A run counts for the class when it is the class's config for some cell, any seed.
"""
import json
from dataclasses import asdict, dataclass, fields, replace

from core.config import PARAMS, TrainConfig, check

VARIES = ("drop_prob", "train_size")
VARY_LABELS = {"drop_prob": "the drop probability (both hidden layers)",
               "train_size": "the number of training images, with and without dropout"}
# The default experiment overfits without dropout (6,000 images, 50 epochs at lr 0.005) so that the class's sweep
# shows dropout's effect beyond the spread of the seeds; smaller or shorter setups lose it in seed noise.
DROP_VALUES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
EVAL_EVERY = 5  # a class run's accuracy every 5th epoch and at the last: the same final numbers, less work
SIZE_VALUES = (300, 1000, 3000, 6000)
NO_DROPOUT, WITH_DROPOUT = "without dropout", "with dropout"


@dataclass(frozen=True)
class Setup:
    """One class experiment: the varied setting, its values, and the settings every run shares."""

    vary: str = "drop_prob"
    values: tuple = DROP_VALUES
    epochs: int = 50
    lr: float = 0.005
    batch_size: int = 64
    train_size: int = 6000  # held fixed when the class varies the drop probability
    drop_prob: float = 0.5  # the "with dropout" runs when the class varies the training-set size
    assign: bool = True  # give each student an untried value (round robin) instead of letting them pick
    predict_first: bool = True  # each student guesses before Train; the board hides results until the reveal
    eval_every: int = EVAL_EVERY  # epochs between accuracy checks (the last epoch is always checked)

    def __post_init__(self):
        if self.vary not in VARIES:
            raise ValueError(f"vary must be one of {', '.join(VARIES)}, got {self.vary!r}")
        name = "drop_prob1" if self.vary == "drop_prob" else "train_size"
        values = tuple(sorted({_as(name, v) for v in self.values}))
        if not 1 <= len(values) <= 20:
            raise ValueError("a class experiment needs 1 to 20 values")
        object.__setattr__(self, "values", values)
        for field, value in (("epochs", self.epochs), ("lr", self.lr), ("batch_size", self.batch_size),
                             ("train_size", self.train_size), ("drop_prob1", self.drop_prob),
                             ("eval_every", self.eval_every)):
            check(field, value)
        for cell in self.cells():
            self.config(cell)  # every run of the sweep must be a valid TrainConfig (work limit included)

    @classmethod
    def for_vary(cls, vary, **changes):
        """The default setup for a varied setting, with some fields changed."""
        return cls(vary=vary, values=DROP_VALUES if vary == "drop_prob" else SIZE_VALUES, **changes)

    def to_json(self):
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text):
        # Classes made before these settings existed asked for no guesses and checked accuracy every epoch.
        data = {"predict_first": False, "eval_every": 1, **json.loads(text)}
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})

    def best_choices(self):
        """What a student may name as the class's best: a drop probability, or the size where dropout helps most."""
        return self.values

    def check_guess(self, test_acc, best):
        """(test accuracy as a fraction, best value) from raw values, or ValueError with one sentence."""
        try:
            acc, best = float(test_acc), float(best)
        except (TypeError, ValueError):
            raise ValueError("A guess needs a test accuracy and a value, both numbers.") from None
        if not 0.0 <= acc <= 1.0 or acc != acc:
            raise ValueError("The expected test accuracy must be between 0% and 100%.")
        if best not in [float(v) for v in self.best_choices()]:
            shown = ", ".join(_fmt(v) for v in self.values)
            raise ValueError(f"The best value must be one of the class's values ({shown}).")
        return acc, (int(best) if self.vary == "train_size" else best)

    def cells(self):
        """Every point of the sweep, in order (for train_size: each size without, then with dropout)."""
        if self.vary == "drop_prob":
            return [{"drop_prob1": v, "drop_prob2": v} for v in self.values]
        return [{"train_size": n, "drop_prob1": p, "drop_prob2": p} for n in self.values
                for p in (0.0, self.drop_prob)]

    def keys(self):
        """Where each cell sits on the board, (value, series), in the order of cells()."""
        return [self.value_of(self.config(cell)) for cell in self.cells()]

    def config(self, cell, seed=1):
        """The TrainConfig of a cell with this seed."""
        base = TrainConfig(epochs=self.epochs, lr=self.lr, batch_size=self.batch_size, seed=seed,
                           train_size=self.train_size, drop_prob1=self.drop_prob, drop_prob2=self.drop_prob,
                           eval_every=self.eval_every)
        return replace(base, **cell)

    def value_of(self, cfg):
        """(value, series) where a run sits on the board: its drop probability, or its size and dropout."""
        if self.vary == "drop_prob":
            return cfg.drop_prob1, ""
        return cfg.train_size, (NO_DROPOUT if cfg.drop_prob1 == 0 else WITH_DROPOUT)

    def mismatch(self, cfg):
        """None when cfg counts for this class, else one sentence saying what differs."""
        if cfg.drop_prob1 != cfg.drop_prob2:
            return "both hidden layers need the same drop probability"
        if self.vary == "train_size" and cfg.drop_prob1 not in (0.0, self.drop_prob):
            return f"the drop probability must be 0 (without dropout) or {self.drop_prob:g} (with dropout)"
        if self.value_of(cfg) not in self.keys():  # e.g. p = 0.37 in a sweep of 0, 0.5, 0.9
            shown = ", ".join(_fmt(v) for v in self.values)
            if self.vary == "drop_prob":
                return f"p = {cfg.drop_prob1:g} is not one of the class's drop probabilities ({shown})"
            return f"{cfg.train_size:,} training images is not one of the class's sizes ({shown})"
        cell = {"drop_prob1": cfg.drop_prob1, "drop_prob2": cfg.drop_prob2}
        if self.vary == "train_size":
            cell["train_size"] = cfg.train_size
        expected = self.config(cell, cfg.seed)
        wrong = [f"{f.name} is {getattr(cfg, f.name):g}, the class uses {getattr(expected, f.name):g}"
                 for f in fields(TrainConfig)  # how often accuracy is checked does not change the final numbers
                 if f.name not in ("inputs", "eval_every") and getattr(cfg, f.name) != getattr(expected, f.name)]
        if cfg.inputs != expected.inputs:
            wrong.append("the inputs differ from the class's")
        return "; ".join(wrong) or None

    def cell_key(self, cfg):
        """The sweep point a run of cfg counts for, as short text (what one member may have one counted run of)."""
        value, series = self.value_of(cfg)
        return f"{value:g}|{series}"

    def fixed_settings(self):
        """The settings every student's run shares, as MNIST page widget values."""
        out = {"epochs": self.epochs, "lr": self.lr, "batch_size": self.batch_size}
        if self.vary == "drop_prob":
            out["train_size"] = self.train_size
        return out

    def describe(self):
        """One sentence for students and the board: what varies and what is held fixed."""
        shown = ", ".join(_fmt(v) for v in self.values)
        held = f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}, lr {self.lr:g}, batch {self.batch_size}"
        if self.eval_every > 1:
            held += f", accuracy checked every {self.eval_every} epochs"
        if self.vary == "drop_prob":
            return (f"The class varies the drop probability ({shown}) on {self.train_size:,} training images; "
                    f"{held}.")
        return (f"The class varies the number of training images ({shown}), each without dropout and with "
                f"dropout {self.drop_prob:g}; {held}.")


def _as(name, value):
    """A varied value checked and typed as TrainConfig's field `name`."""
    value = int(value) if name == "train_size" and float(value).is_integer() else value
    value = float(value) if name != "train_size" else value
    check(name, value)
    return value


def _fmt(v):
    return f"{v:,}" if isinstance(v, int) else f"{v:g}"


def parse_values(text, vary):
    """A comma-separated list of values from a form or a shell, checked; ValueError with one line if bad."""
    name = "drop_prob1" if vary == "drop_prob" else "train_size"
    values = []
    for part in str(text).replace(";", ",").split(","):
        if part.strip():
            try:
                values.append(_as(name, float(part)))
            except ValueError:
                p = PARAMS[name]
                raise ValueError(f"`{part.strip()[:12].replace('`', '?')}` is not a {vary} between {_fmt(p.lo)} and "
                                 f"{_fmt(p.hi)}") from None
    return tuple(values)


__all__ = ["Setup", "VARIES", "VARY_LABELS", "DROP_VALUES", "SIZE_VALUES", "NO_DROPOUT",
           "WITH_DROPOUT", "parse_values"]
