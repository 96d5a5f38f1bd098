"""Calibrate core.cost: time runs of many shapes in a worker-like process, fit the five coefficients, print both.

    python -m benchmarks.cost_model [--threads 1] [--repeats 2]

Each run is timed whole (data preparation, training, every accuracy check), as a worker runs it, with MXNet
limited to --threads threads as the runner limits its workers (one each on two cores). The fit is a least-squares
fit with non-negative coefficients; the table compares the model (fitted now, and as in core.cost) with each run.
"""
import argparse
import sys
import time

from core.nn.threads import use_threads

SHAPES = [  # TrainConfig fields; every run a few seconds at most on this machine
    dict(batch_size=1, train_size=2000, epochs=1, eval_size=100),
    dict(batch_size=4, train_size=4000, epochs=1, eval_size=100),
    dict(batch_size=16, train_size=12000, epochs=1, eval_size=100),
    dict(batch_size=64, train_size=60000, epochs=1, eval_size=100),
    dict(batch_size=1024, train_size=60000, epochs=1, eval_size=100),
    dict(batch_size=64, train_size=60000, epochs=1, eval_size=0),  # one epoch of the lesson's run
    dict(batch_size=64, train_size=1000, epochs=40, eval_size=1000),
    dict(batch_size=64, train_size=6000, epochs=3, eval_size=0),
    dict(batch_size=64, train_size=10000, epochs=1, eval_size=100, hidden1=1024, hidden2=1024),
    dict(batch_size=8, train_size=4000, epochs=1, eval_size=100, hidden1=1024, hidden2=1024),
    dict(batch_size=64, train_size=20000, epochs=2, eval_size=0, hidden1=32, hidden2=32),
    dict(batch_size=256, train_size=1000, epochs=200, eval_size=1000, eval_every=10),
]


def measure(threads, repeats):
    use_threads(threads)  # before MXNet loads, as in a worker
    from core.config import TrainConfig
    from core.nn.data import load_mnist
    from core.nn.train import train

    mnist = load_mnist()
    for _ in train(TrainConfig(epochs=1, train_size=1000, eval_size=100), mnist):
        pass  # warm up, as a worker does before it reports ready
    results = []
    for shape in SHAPES:
        cfg = TrainConfig(**shape)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in train(cfg, mnist):
                pass
            times.append(time.perf_counter() - start)
        results.append((cfg, min(times)))
        print(f"  measured {min(times):7.2f} s  {shape}", file=sys.stderr, flush=True)
    return results


def nonnegative_fit(A, b):
    """Least squares with coefficients >= 0: refit without any coefficient that came out negative."""
    import numpy as np

    active = list(range(A.shape[1]))
    while True:
        coef = np.linalg.lstsq(A[:, active] / b[:, None], np.ones(len(b)), rcond=None)[0]  # relative errors
        if (coef >= 0).all():
            out = np.zeros(A.shape[1])
            out[active] = coef
            return out
        active = [a for a, c in zip(active, coef) if c >= 0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    import numpy as np

    from core import cost

    results = measure(args.threads, args.repeats)
    A = np.array([cost.counts(cfg) for cfg, _ in results], dtype=float)
    b = np.array([t for _, t in results])
    fitted = nonnegative_fit(A, b)
    names = ("PER_STEP", "PER_STEP_PARAM", "PER_TRAIN_MAC", "PER_EVAL_MAC", "PER_EPOCH")
    print("fitted coefficients (core.cost has):")
    for name, value in zip(names, fitted):
        print(f"  {name:15s} {value:.2e}   ({getattr(cost, name):.2e})")
    print(f"{'measured s':>10} {'fit s':>7} {'core.cost s':>11}  run")
    for (cfg, t), row in zip(results, A):
        print(f"{t:10.2f} {row @ fitted:7.2f} {cost.seconds(cfg):11.2f}  {cfg.label()}, {cfg.epochs} epochs, "
              f"hidden {cfg.hidden1}/{cfg.hidden2}, eval {cfg.eval_size or 'all'} every {cfg.eval_every}")
    ratio = b / np.array([cost.seconds(cfg) for cfg, _ in results])
    print(f"measured / core.cost: median {np.median(ratio):.2f}, range {ratio.min():.2f}-{ratio.max():.2f}")


if __name__ == "__main__":
    main()
