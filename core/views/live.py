"""What the live route answers about a job: its new chart rows since an event count, and where it stands.

    progress(job, since=0)  ->  {"status", "ended", "next", "more", "progress", "text", "loss", "accuracy"}
                                (+ "words" once ended: each chart's sentence about the run, core.views.describe)

Plain data for JSON: `loss` rows are [epoch (fractional), moving loss], `accuracy` rows [epoch (from 1),
train accuracy, test accuracy]. A client asks again with since=next and appends what comes back; `ended`
is true once the job has ended and the client has every row. An answer holds at most MAX_EVENTS events
(`more` says when others wait), so a client that joins late catches up in a few small answers.
"""
import math

from core.status import Status
from core.views import describe, status

MAX_EVENTS = 2000  # events per answer; a training run has about 1,000 loss points in all
MAX_SINCE = 10**7  # larger than any event count: refused as malformed


def _number(x, digits=5):
    """A float rounded to `digits` significant digits, None if not finite (JSON has no NaN)."""
    x = float(x)
    return float(f"{x:.{digits}g}") if math.isfinite(x) else None


def progress(job, since=0):
    """The job's rows after its first `since` events, and its state (see the module's docstring)."""
    ended = job.finished  # read before the events: a finished job already holds all of them
    events = job.events
    total = len(events)
    start = min(max(0, since), total)
    new = events[start:start + MAX_EVENTS]
    loss = [[_number(e["epoch"]), _number(e["moving_loss"])] for e in new
            if e["kind"] == "batch" and "moving_loss" in e]
    accuracy = [[e["epoch"] + 1, _number(e["train_acc"]), _number(e["test_acc"])] for e in new
                if e["kind"] == "epoch"]
    after = start + len(new)
    answer = {"status": job.status, "ended": ended and after == total, "next": after, "more": after < total,
              "progress": _number(1.0 if job.status == Status.FINISHED else job.progress, 4),
              "text": status.line(job), "loss": loss, "accuracy": accuracy}
    if answer["ended"]:  # once: the charts' accessible names then state the run's final numbers
        answer["words"] = describe.ended_words(events)
    return answer


def parse_since(raw):
    """The `since` query value as an int in 0..MAX_SINCE, or None when it is missing-as-empty, malformed or huge."""
    if raw is None:
        return 0
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 8:  # '²'.isdigit() holds, int('²') fails
        return None
    value = int(text)
    return value if value <= MAX_SINCE else None
