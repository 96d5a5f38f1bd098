"""How a run stands: one vocabulary for the trainers' last event, the runner's jobs and the pages.

A str enum: a status compares equal to its text ("finished") and goes into JSON as that text.
"""
from enum import Enum


class Status(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"
    DIVERGED = "diverged"

    def __str__(self):
        return self.value


ENDED = (Status.FINISHED, Status.STOPPED, Status.FAILED, Status.DIVERGED)
