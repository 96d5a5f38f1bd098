"""The kinds of job the runner runs, and how a task crosses into a worker and back.

A task is a frozen dataclass (so identical requests compare equal and share one job). Each kind names
its config class and the generator a worker runs: generator(task, mnist, should_stop) yields event dicts,
first {"kind": "start", "total_batches": N}, then progress, last {"kind": "done", "status": ...}.
"""
import dataclasses
import importlib

KINDS = {
    "train": ("core.config:TrainConfig", "core.nn.train:train"),
    "predict": ("core.config:PredictConfig", "core.lessons.prediction:run"),
}


def _load(path):
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def kind_of(task):
    """The registered kind name of a task object."""
    for kind, (cls_path, _) in KINDS.items():
        module, name = cls_path.split(":")
        if type(task).__module__ == module and type(task).__name__ == name:
            return kind
    raise TypeError(f"not a registered task: {type(task).__name__}")


def encode(task):
    """A task as a JSON-able message for a worker."""
    data = task.to_dict() if hasattr(task, "to_dict") else dataclasses.asdict(task)
    return {"kind": kind_of(task), "config": data}


def decode(message):
    """The task object a message from encode() describes."""
    cls = _load(KINDS[message["kind"]][0])
    data = message["config"]
    return cls.from_dict(data) if hasattr(cls, "from_dict") else cls(**data)


def events(task, mnist, should_stop):
    """The event generator for a task (what a worker runs)."""
    return _load(KINDS[kind_of(task)][1])(task, mnist, should_stop=should_stop)
