"""A class's whole sweep: python -m benchmarks.class_sweep [--students 30] [--eval-every 5]

Starts the real app with a class of its own (the default experiment: the drop probability from 0 to 0.9 on
6,000 images, 50 epochs at lr 0.005), lets N students (protocol clients) open the class link and press Train
within 2 s (each is given a value round robin and has a seed of its own: N distinct runs), and measures the time
from the first Train to the last run on the board. Then prints the class's mean test accuracy per value with the
spread of its seeds, and whether p = 0.5 beats p = 0 by more than that spread.
"""
import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from core.classboard import Board
from tests.app_server import ROOT, running_app
from benchmarks.load_client import Student, now


async def press_train(url, code, students, window, deadline):
    tabs = [Student(url, f"class={code}&student=s{i}", deadline) for i in range(students)]
    await asyncio.gather(*(tab.open(120) for tab in tabs))
    rng = random.Random(0)
    first = now()

    async def train(tab):
        await asyncio.sleep(rng.uniform(0, window))
        await tab.train()
        await asyncio.sleep(1.0)  # the Train rerun lands (the run is pinned: closing the tab does not stop it)
        await tab.close()

    await asyncio.gather(*(train(tab) for tab in tabs))
    return first


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--eval-every", type=int, default=5, help="the class's accuracy-check schedule (1: every epoch)")
    parser.add_argument("--limit", type=float, default=900, help="seconds to wait for the sweep")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url_db = f"sqlite:///{tmp}/board.sqlite3"
        made = subprocess.run([sys.executable, "-m", "core.classboard", "--url", url_db, "new", "--code", "SWEEPS",
                               "--no-predict", "--eval-every", str(args.eval_every)], cwd=ROOT, capture_output=True,
                              text=True, timeout=60, check=True)
        print(made.stdout.splitlines()[-1])  # what the class varies (its teacher link, a line above, is not shown)
        board = Board(url_db)
        env = {"CLASSBOARD_URL": url_db, "CLASSBOARD_SPOOL": f"{tmp}/spool.sqlite3"}
        with running_app(env=env) as (url, _):
            first = asyncio.run(press_train(url, "SWEEPS", args.students, 2.0, now() + args.limit))
            deadline, landed = time.monotonic() + args.limit, 0
            while time.monotonic() < deadline:
                landed = len(board.runs("SWEEPS"))
                if landed >= args.students:
                    break
                time.sleep(0.5)
            took = now() - first
        runs = board.runs("SWEEPS")
    print(f"{len(runs)} of {args.students} runs on the board {took:.0f} s after the first Train "
          f"(eval every {args.eval_every} epochs)")
    by = {}
    for r in runs:
        by.setdefault(r["drop_prob1"], []).append(r["test_acc"])
    for p in sorted(by):
        accs = by[p]
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        print(f"  p = {p:g}: mean {statistics.mean(accs):.2%} over {len(accs)} seeds "
              f"(min {min(accs):.2%}, max {max(accs):.2%}, sd {sd * 100:.2f} points)")
    if 0.0 in by and 0.5 in by:
        gain = statistics.mean(by[0.5]) - statistics.mean(by[0.0])
        spread = max(max(v) - min(v) for v in (by[0.0], by[0.5]))
        sd = max(statistics.stdev(v) for v in (by[0.0], by[0.5]) if len(v) > 1) if len(by[0.0]) > 1 else 0.0
        print(f"  p = 0.5 - p = 0: {gain * 100:+.2f} points; at those values the seeds span at most "
              f"{spread * 100:.2f} points (sd at most {sd * 100:.2f}): "
              f"{'beyond' if gain > spread else 'NOT beyond'} the seeds' full range")


if __name__ == "__main__":
    main()
