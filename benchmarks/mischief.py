"""The fair share measured: a class alone, then the same class beside mischief, on one server in one run.

    python -m benchmarks.load --mischief [--students 30] [--epochs 10] [--train-size 6000] [--presses 50]

The students are benchmarks/load_client.py's protocol clients (half share one run, half train seeds of their
own); the mischief is one more tab that presses Train with --presses distinct seeds as fast as the server
answers, and one that starts --gap-classes classes of its own and has the server fill their gaps (allowed where
no school teacher key is set: its creator is each class's teacher; the gap runs are the server's, behind
students). The two classes train different seeds, so the second shares no finished run with the first. Reported for the honest students:
the time from Train to their run's start and to its end, median and max, alone and beside the mischief, and
the ratios. A benchmark, not a test: figures on a shared 2-core machine are noisy; compare within one run.
"""
import argparse
import json
import statistics
import subprocess
import sys

from tests.app_server import ROOT

CALM_SEEDS, ROUGH_SEEDS = 10_000, 20_000


def run_class(url, args, seed_base, presses, gap_classes=0):
    """One class through load_client in a process of its own; its result dict (or an error line)."""
    command = [sys.executable, "-m", "benchmarks.load_client", "--url", url, "--students", str(args.students),
               "--epochs", str(args.epochs), "--train-size", str(args.train_size), "--window", str(args.window),
               "--duration", str(args.duration), "--open-timeout", str(args.open_timeout),
               "--seed-base", str(seed_base), "--mischief", str(presses), "--gap-classes", str(gap_classes)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=args.duration + 180)
    for line in done.stdout.splitlines():
        if line.startswith("{") and json.loads(line).get("event") == "result":
            return json.loads(line)
    raise RuntimeError(f"the students gave no result: {(done.stderr.strip().splitlines() or ['-'])[-1][:300]}")


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "max": max(values), "n": len(values)}


def figures(result):
    students = result["students"]
    return {"start": spread([s["start_s"] for s in students]), "end": spread([s["end_s"] for s in students]),
            "failures": sum(s["failure"] is not None for s in students),
            "exceptions": sum(bool(s["exceptions"]) for s in students), "mischief": result.get("mischief"),
            "gaps": result.get("gaps"),
            "students": [{"shared": i % 2 == 0, "start_s": s["start_s"], "end_s": s["end_s"]}
                         for i, s in enumerate(students)]}


def ratio(rough, calm):
    return {k: rough[k] / calm[k] for k in ("median", "max")} if rough and calm else None


def compare(url, args):
    run_class(url, argparse.Namespace(**{**vars(args), "students": 2}), 1, 0)  # warm: workers' first runs
    calm = figures(run_class(url, args, CALM_SEEDS, 0))
    rough = figures(run_class(url, args, ROUGH_SEEDS, args.presses, args.gap_classes))
    return {"calm": calm, "rough": rough, "end_ratio": ratio(rough["end"], calm["end"]),
            "start_ratio": ratio(rough["start"], calm["start"])}


def report(fig, args):
    def line(name, f):
        s, e = f["start"] or {}, f["end"] or {}
        return (f"{name:28s} start median {s.get('median', 0):6.2f} s, max {s.get('max', 0):6.2f} s;  "
                f"end median {e.get('median', 0):6.2f} s, max {e.get('max', 0):6.2f} s  "
                f"({e.get('n', 0)} ended, {f['failures']} failed, {f['exceptions']} with exceptions)")
    m, g = fig["rough"]["mischief"] or {}, fig["rough"]["gaps"] or {}
    lines = [f"{args.students} honest students, {args.epochs} epochs x {args.train_size:,} images:",
             line("alone", fig["calm"]), line(f"beside a tab pressing {args.presses}x", fig["rough"]),
             f"the mischievous tab pressed {m.get('presses', 0)} times in {m.get('pressing_s') or 0:.1f} s"
             + (f" ({m['failure']})" if m.get("failure") else ""),
             f"the gap-filling tab started and filled {g.get('classes_filled', 0)} classes"
             + (f" ({g['failure']})" if g.get("failure") else "")]
    for what in ("end_ratio", "start_ratio"):
        r = fig[what]
        if r:
            lines.append(f"{what.replace('_', ' ')} (beside mischief / alone): median {r['median']:.2f}, "
                         f"max {r['max']:.2f}")
    return "\n".join(lines)
