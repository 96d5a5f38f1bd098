"""The default backend: worker processes on this machine, each `python -m core.runner.worker THREADS`.

A backend hands the job table "slots": each slot runs one job at a time and reports events into the
table's outbox as (slot, job id or None, event). The slot interface, shared with the Ray backend:
    slot.run(job_id, message)  slot.stop(job_id)  slot.alive()  slot.kill()  slot.close()
    slot.job, slot.ready, slot.stop_requested, slot.pid, slot.exit_reason
"""
import json
import os
import subprocess
import sys
import threading

from core.runner.capacity import available_cores, workers_that_fit

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class WorkerProcess:
    """One worker process, and a thread that forwards its events to the job table's outbox."""

    def __init__(self, outbox, threads):
        self.process = subprocess.Popen([sys.executable, "-m", "core.runner.worker", str(threads)], cwd=PROJECT_ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.pid = self.process.pid
        self.job = None
        self.stop_requested = None  # when a stop was asked for, to escalate if it is ignored
        self.ready = False
        threading.Thread(target=self._forward, args=(outbox,), daemon=True).start()

    def _forward(self, outbox):
        for line in self.process.stdout:  # ends when the worker exits; the job table notices by polling it
            event = json.loads(line)
            outbox.put((self, event.pop("job"), event))

    def _send(self, message):
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the worker died; the job table notices and replaces it

    def run(self, job_id, message):
        self._send({"run": job_id, **message})

    def stop(self, job_id):
        self._send({"stop": job_id})

    @property
    def exit_reason(self):
        return f"exit code {self.process.returncode}"

    def alive(self):
        return self.process.poll() is None

    def close(self):
        """Ask the worker to finish: its loop ends when its stdin closes."""
        try:
            self.process.stdin.close()
        except OSError:
            pass

    def kill(self):
        """SIGKILL, without waiting (the job table calls this under its lock); alive() reaps the process."""
        self.ready = False  # nothing more is sent to it; the job table replaces it once it is gone
        if self.alive():
            self.process.kill()


class LocalBackend:
    """Worker processes sized to this container: one per core, as many as fit in its memory limit."""

    name = "local worker processes"

    def __init__(self, max_workers=None):
        self.size = max_workers or workers_that_fit()
        self.threads = max(1, available_cores() // self.size)  # MXNet threads per worker

    def start_slot(self, outbox):
        return WorkerProcess(outbox, self.threads)

    def shutdown(self, slots):
        for slot in slots:
            slot.close()
        for slot in slots:
            try:
                slot.process.wait(2)
            except subprocess.TimeoutExpired:
                pass
            slot.kill()
            slot.process.wait(5)
