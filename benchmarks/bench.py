"""This project's trainer against a plain PyTorch loop, each in a process of its own: python -m benchmarks.bench

Two workloads, each run as whole processes taking turns (project, PyTorch, project, PyTorch, ...), so both meet
the same phases of a shared machine and never share a process (two OpenMP runtimes in one process slow both):
1. The lesson's run: full MNIST, 784-256-128-10, batch 64, dropout 0.5, lr 0.001 on the summed loss, accuracy on
   all 60,000 training and 10,000 test images after every epoch. Seconds per epoch as each process reports them
   (python -m core.train --jsonl for the project), median over every epoch of every run.
2. Lesson 3's run: 1,000 images with random labels, 400 epochs, no dropout, accuracy on the 1,000 training and
   10,000 test images every epoch. Seconds of the whole process, median over the runs.

The PyTorch peer is the plain loop a PyTorch user would write for the same MLP, initialisation and summed loss:
nn.Linear, nn.Dropout and SGD, the images converted to float tensors once, the loss read back once an epoch.
With --lesson-style, the lesson's own loop style (a gluon DataLoader over a per-sample transform, imperative ops)
is timed too, for one epoch. PyTorch is not a project requirement (pip install torch==2.13.0 adds it). The
machine may be shared: compare the ratios of one run rather than absolute times.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from core.config import TrainConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LESSON3_FLAGS = ["--train-size", "1000", "--label-noise", "1", "--epochs", "400", "--drop-prob", "0"]
LESSON3 = TrainConfig(train_size=1000, label_noise=1.0, epochs=400, drop_prob1=0.0, drop_prob2=0.0)


# ---- the peers, each run as `python -m benchmarks.bench --peer NAME` ---------------------------------------------

def pytorch(cfg):
    """The plain PyTorch loop: prints one JSON line per epoch (epoch, seconds, train_acc, test_acc, loss)."""
    import numpy as np
    import torch
    from torch import nn

    from core.nn.data import load_mnist, noisy_labels, subset

    mnist = load_mnist()
    X, y = subset(mnist.train_X, mnist.train_y, cfg.train_size, cfg.seed)
    if cfg.label_noise:
        y = noisy_labels(y, cfg.label_noise, cfg.seed + 1)
    X, y = torch.from_numpy(X).float() / 255, torch.from_numpy(y.astype(np.int64))  # floats once
    test_X, test_y = torch.from_numpy(mnist.test_X).float() / 255, torch.from_numpy(mnist.test_y.astype(np.int64))
    torch.manual_seed(cfg.seed)
    model = nn.Sequential(nn.Linear(784, cfg.hidden1), nn.ReLU(), nn.Dropout(cfg.drop_prob1),
                          nn.Linear(cfg.hidden1, cfg.hidden2), nn.ReLU(), nn.Dropout(cfg.drop_prob2),
                          nn.Linear(cfg.hidden2, 10))
    for p in model.parameters():
        nn.init.normal_(p, std=0.01)
    opt, loss_fn = torch.optim.SGD(model.parameters(), lr=cfg.lr), nn.CrossEntropyLoss(reduction="sum")

    def accuracy(images, labels):
        model.eval()
        with torch.no_grad():
            hits = sum((model(images[i:i + 10_000]).argmax(1) == labels[i:i + 10_000]).sum().item()
                       for i in range(0, len(labels), 10_000))
        model.train()
        return hits / len(labels)

    for epoch in range(cfg.epochs):
        start = time.perf_counter()
        order = torch.randperm(len(y))
        Xs, ys, losses = X[order], y[order], []
        for i in range(0, len(ys), cfg.batch_size):
            loss = loss_fn(model(Xs[i:i + cfg.batch_size]), ys[i:i + cfg.batch_size])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.detach())
        train_acc, test_acc = accuracy(X, y), accuracy(test_X, test_y)
        print(json.dumps({"epoch": epoch, "seconds": time.perf_counter() - start, "train_acc": train_acc,
                          "test_acc": test_acc, "loss": float(torch.stack(losses).sum()) / len(ys)}), flush=True)


def lesson_style(cfg):
    """The lesson's loop, written fresh: a per-sample transform, host sync every batch; one JSON line per epoch."""
    from core.nn.data import DATA_DIR
    from core.nn.model import layer_shapes
    from core.nn.mx import autograd, gluon, mx, nd
    from core.nn.ops import dropout, relu, softmax_cross_entropy

    to_float = lambda data, label: (data.astype("float32") / 255, label.astype("float32"))  # noqa: E731
    train_data = gluon.data.DataLoader(gluon.data.vision.MNIST(root=DATA_DIR, train=True, transform=to_float),
                                       cfg.batch_size, shuffle=True)
    test_data = gluon.data.DataLoader(gluon.data.vision.MNIST(root=DATA_DIR, train=False, transform=to_float),
                                      cfg.batch_size, shuffle=False)
    mx.random.seed(cfg.seed)
    params = [nd.random.normal(scale=0.01, shape=s) for s in layer_shapes()]
    for p in params:
        p.attach_grad()

    def net(X, train):
        W1, b1, W2, b2, W3, b3 = params
        h1 = relu(nd.dot(X, W1) + b1)
        h1 = dropout(h1, cfg.drop_prob1) if train else h1
        h2 = relu(nd.dot(h1, W2) + b2)
        h2 = dropout(h2, cfg.drop_prob2) if train else h2
        return nd.dot(h2, W3) + b3

    def accuracy(loader):
        correct = total = 0
        for X, y in loader:
            correct += (nd.argmax(net(X.reshape((-1, 784)), False), axis=1) == y).sum().asscalar()
            total += len(y)
        return correct / total

    for epoch in range(cfg.epochs):
        start, moving_loss = time.perf_counter(), None
        for X, y in train_data:
            with autograd.record():
                loss = softmax_cross_entropy(net(X.reshape((-1, 784)), True), nd.one_hot(y, 10))
            loss.backward()
            for p in params:
                p[:] = p - cfg.lr * p.grad
            value = nd.mean(loss).asscalar()
            moving_loss = value if moving_loss is None else 0.99 * moving_loss + 0.01 * value
        test_acc, train_acc = accuracy(test_data), accuracy(train_data)
        print(json.dumps({"epoch": epoch, "seconds": time.perf_counter() - start, "train_acc": train_acc,
                          "test_acc": test_acc, "loss": moving_loss}), flush=True)


# ---- taking turns -----------------------------------------------------------------------------------------------

def other_engine():
    """The MXNet engine the command line does not choose on this machine (core.nn.threads.engine_for), to compare."""
    from core.cli import cli_threads
    from core.nn.threads import DEFAULT_ENGINE, NAIVE_ENGINE, engine_for

    return DEFAULT_ENGINE if engine_for(cli_threads()) == NAIVE_ENGINE else NAIVE_ENGINE


def run(args):
    """(wall seconds of the whole process, [its JSON lines]); exits with one line if it fails.

    args: the process's arguments; a leading dict is extra environment (e.g. another MXNet engine)."""
    env = {**os.environ, **args[0]} if isinstance(args[0], dict) else None
    args = args[1:] if env else args
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args)} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return seconds, [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def take_turns(commands, runs):
    """Run each command `runs` times, one after another in turn; {name: [(seconds, lines), ...]}."""
    results = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            results[name].append(run(command))
    return results


def lesson_table(args, peer):
    epochs = ["--epochs", str(args.epochs)]
    commands = {"project (core.train)": ["-m", "core.train", *epochs, "--jsonl"]}
    if args.compare_engine:
        other = other_engine()
        commands[f"project, {other}"] = [{"MXNET_ENGINE_TYPE": other}, "-m", "core.train", *epochs, "--jsonl"]
    if peer:
        commands[peer] = ["-m", "benchmarks.bench", "--peer", "pytorch", *epochs]
    if args.lesson_style:
        commands["lesson-style loop"] = ["-m", "benchmarks.bench", "--peer", "lesson-style", "--epochs", "1"]
    results = take_turns(commands, args.runs)
    print(f"The lesson's run: 60,000 images, batch 64, dropout 0.5, both accuracies every epoch; {args.runs} runs "
          f"of {args.epochs} epochs each, taking turns")
    print(f"  {'implementation':<34}{'median s/epoch':>16}{'epochs':>8}{'test acc':>10}")
    medians = {}
    for name, runs in results.items():
        times = [line["seconds"] for _, lines in runs for line in lines]
        medians[name] = statistics.median(times)
        print(f"  {name:<34}{medians[name]:>16.3f}{len(times):>8}{runs[-1][1][-1]['test_acc']:>10.4f}")
    ours = medians["project (core.train)"]
    if "lesson-style loop" in medians:
        print(f"  lesson-style loop / project: {medians['lesson-style loop'] / ours:.1f}x")
    return ours / medians[peer] if peer else None


def lesson3_table(args, peer):
    commands = {"project (core.train)": ["-m", "core.train", *LESSON3_FLAGS, "--jsonl"]}
    if args.compare_engine:
        other = other_engine()
        commands[f"project, {other}"] = [{"MXNET_ENGINE_TYPE": other}, "-m", "core.train", *LESSON3_FLAGS, "--jsonl"]
    if peer:
        commands[peer] = ["-m", "benchmarks.bench", "--peer", "pytorch", *LESSON3_FLAGS]
    results = take_turns(commands, args.runs)
    print("Lesson 3's run: " + " ".join(LESSON3_FLAGS) + ", accuracy on 1,000 train + 10,000 test images every "
          f"epoch; {args.runs} whole processes each, taking turns")
    print(f"  {'implementation':<34}{'median s':>10}{'runs':>6}  last epoch: train acc, test acc")
    medians = {}
    for name, runs in results.items():
        medians[name] = statistics.median(s for s, _ in runs)
        last = runs[-1][1][-1]
        print(f"  {name:<34}{medians[name]:>10.1f}{len(runs):>6}  {last['train_acc']:.4f}, {last['test_acc']:.4f}")
    return medians["project (core.train)"] / medians[peer] if peer else None


def peer_name():
    """'PyTorch 2.13.0 loop' when torch is installed, else None (with a note)."""
    done = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__.split('+')[0])"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print("(torch is not installed: pip install torch==2.13.0 adds the PyTorch figures)")
        return None
    return f"PyTorch {done.stdout.strip()} loop"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the lesson's run per process")
    parser.add_argument("--runs", type=int, default=3, help="processes per implementation and workload")
    parser.add_argument("--skip", choices=("lesson", "lesson3"), help="leave one of the two workloads out")
    parser.add_argument("--lesson-style", action="store_true", help="also time the lesson's own loop style")
    parser.add_argument("--compare-engine", action="store_true",
                        help="also time the project on the MXNet engine it does not choose (core/nn/threads.py)")
    peer_parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    peer_parser.add_argument("--peer", choices=("pytorch", "lesson-style"))
    known, flags = peer_parser.parse_known_args(argv)
    if known.peer:  # a peer's own process: the other flags are those of python -m core.train
        from core.cli import train_parser, train_values, use_every_core

        use_every_core()  # every core for the peer too, before MXNet or PyTorch loads
        cfg = TrainConfig(**train_values(train_parser("bench peer", "").parse_args(flags)))
        return pytorch(cfg) if known.peer == "pytorch" else lesson_style(cfg)
    args = parser.parse_args(argv)
    peer = peer_name()
    ratios = {}
    if args.skip != "lesson":
        ratios["the lesson's run"] = lesson_table(args, peer)
    if args.skip != "lesson3":
        ratios["lesson 3's run"] = lesson3_table(args, peer)
    for name, ratio in ratios.items():
        if ratio is not None:
            print(f"project / PyTorch time, {name}: {ratio:.2f}")


if __name__ == "__main__":
    main()
