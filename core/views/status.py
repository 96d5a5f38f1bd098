"""Where a job stands, in words, shared by the pages and the live route (no Streamlit here).

    line(job)         ->  'epoch 3 of 10, about 12 s left'  |  'waiting for a free worker: place 2 in the queue'
    named(name, job)  ->  'random labels, dropout 0.5: stopped — Stopped on request.'
"""
import time

from core.lessons import memorize
from core.status import Status


def duration(seconds):
    """'40 s', '1 min 40 s', '12 min': rounded as a person would say it."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{max(5, round(seconds / 5) * 5)} s"
    minutes, rest = divmod(round(seconds / 10) * 10, 60)
    return f"{minutes} min" + (f" {rest} s" if rest and minutes < 10 else "")


def starts_in(job):
    """', starts in about 1 min 40 s' while the runner can estimate a queued job's start, else ''."""
    if job.status != Status.QUEUED or job.starts_at is None:
        return ""
    return f", starts in about {duration(job.starts_at - time.monotonic())}"


def time_left(job):
    """', about 12 s left' while the runner can estimate it, else ''."""
    return f", about {job.eta:.0f} s left" if job.eta is not None else ""


def current_epoch(job, epochs):
    """The epoch a running training is in, counted from 1 (from the batches done, whatever the evaluation schedule)."""
    return min(int(job.progress * epochs) + 1, epochs)


def _last_batch(job):
    return next((e for e in reversed(job.events) if e["kind"] == "batch"), None)


def line(job):
    """Where the job stands, in a few words: waiting, its progress and time left, or how it ended."""
    if job.status == Status.QUEUED:
        return f"waiting for a free worker: place {job.position} in the queue{starts_in(job)}"
    if job.status != Status.RUNNING:
        return str(job.status) if job.status == Status.FINISHED else f"{job.status} — {job.message}"
    train = getattr(job.config, "train", None)  # a prediction job trains its net first, then samples
    if train is None:
        return f"epoch {current_epoch(job, job.config.epochs)} of {job.config.epochs}{time_left(job)}"
    last = _last_batch(job)
    if last is None:
        return "starting"
    if last.get("phase") == "train":
        epoch = min(int(last["epoch"]) + 1, train.epochs)
        return f"training, epoch {epoch} of {train.epochs}{time_left(job)}"
    return f"sampling thinned nets{time_left(job)}"


def named(name, job):
    """'name: line', e.g. 'random labels, dropout 0.5: epoch 40 of 300, about 20 s left'."""
    return f"{name}: {line(job)}"


def final_line(name, job):
    """Lesson 3's finished run in words (its numbers and what they mean), or how it ended."""
    if job.status == Status.FINISHED:
        return memorize.sentence(memorize.summary(job.config, job.events))
    return named(name, job)
