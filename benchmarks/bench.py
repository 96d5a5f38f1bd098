"""The trainer against the lesson's own loop and a plain PyTorch loop, on both lessons' runs: python -m core.bench

1. The lesson's run (full MNIST, 784-256-128-10, batch 64, dropout 0.5, full train and test accuracy every epoch),
   seconds per epoch measured in this process: the lesson's own loop style (a gluon DataLoader over a per-sample
   transform, imperative ops), this project's trainer (core.train.train, as the app runs it) and the same MLP in
   PyTorch on the CPU. The project's and PyTorch's epochs alternate, so both see the same load on the machine.
2. Lesson 3's run (1,000 images, every label random, 400 epochs, no dropout, accuracy on the 1,000 training and
   10,000 test images every epoch), each as a whole process from start to end, alternating:
   ``python -m core.train --train-size 1000 --label-noise 1 --epochs 400 --drop-prob 0`` against the same run
   written plainly in PyTorch (``python -m core.bench --pytorch-lesson3``, which never loads MXNet).

PyTorch is not a project requirement; without it only the project's figures are printed. Medians and ratios are
printed; the machine may be shared, so compare the ratios of one run rather than absolute times.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

from core.config import TrainConfig
from core.runner.capacity import available_cores

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LESSON3_FLAGS = ["--train-size", "1000", "--label-noise", "1", "--epochs", "400", "--drop-prob", "0"]
LESSON3 = TrainConfig(train_size=1000, label_noise=1.0, epochs=400, drop_prob1=0.0, drop_prob2=0.0)


# ---- the lesson's run, in this process --------------------------------------------------------------------------

def lesson_style(cfg, epochs):
    """The lesson's loop, written fresh: per-sample transform, dot layout, host sync every batch."""
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

    times, moving_loss = [], None
    for _ in range(epochs):
        start = time.perf_counter()
        for X, y in train_data:
            with autograd.record():
                loss = softmax_cross_entropy(net(X.reshape((-1, 784)), True), nd.one_hot(y, 10))
            loss.backward()
            for p in params:
                p[:] = p - cfg.lr * p.grad
            value = nd.mean(loss).asscalar()
            moving_loss = value if moving_loss is None else 0.99 * moving_loss + 0.01 * value
        test_acc = accuracy(test_data)
        accuracy(train_data)
        times.append(time.perf_counter() - start)
    return times, test_acc


def project_epochs(cfg, mnist):
    """This project's trainer, one (seconds, test accuracy) per epoch, as the events report them."""
    from core.nn.train import train

    for event in train(cfg, mnist):
        if event["kind"] == "epoch":
            yield event["seconds"], event["test_acc"]


def pytorch_epochs(cfg, mnist):
    """The same MLP, init and summed loss in PyTorch (nn.Linear, nn.Dropout, SGD); (seconds, test acc) per epoch."""
    import numpy as np
    import torch

    torch.manual_seed(cfg.seed)
    model, step = _torch_net(cfg)
    X, y = torch.from_numpy(mnist.train_X), torch.from_numpy(mnist.train_y.astype(np.int64))
    test_X, test_y = torch.from_numpy(mnist.test_X), torch.from_numpy(mnist.test_y.astype(np.int64))
    for _ in range(cfg.epochs):
        start = time.perf_counter()
        _torch_epoch(model, step, X, y, cfg.batch_size)
        test_acc = _torch_accuracy(model, test_X, test_y)
        _torch_accuracy(model, X, y)
        yield time.perf_counter() - start, test_acc


def _torch_net(cfg):
    """The lesson's MLP in PyTorch with weights and biases drawn from N(0, 0.01^2), and its SGD step."""
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(784, cfg.hidden1), nn.ReLU(), nn.Dropout(cfg.drop_prob1),
                          nn.Linear(cfg.hidden1, cfg.hidden2), nn.ReLU(), nn.Dropout(cfg.drop_prob2),
                          nn.Linear(cfg.hidden2, 10))
    for p in model.parameters():
        nn.init.normal_(p, std=0.01)
    return model, torch.optim.SGD(model.parameters(), lr=cfg.lr)


def _torch_epoch(model, opt, X, y, batch_size):
    """One pass over (X, y) in a fresh random order, the loss summed over each batch; the last batch's mean loss."""
    import torch
    from torch import nn

    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    order = torch.randperm(len(y))
    Xs, ys = X[order], y[order]
    moving_loss = None
    for i in range(0, len(y), batch_size):
        y_batch = ys[i:i + batch_size]
        loss = loss_fn(model(Xs[i:i + batch_size].float() / 255), y_batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        batch_loss = loss.detach() / len(y_batch)
        moving_loss = batch_loss if moving_loss is None else 0.99 * moving_loss + 0.01 * batch_loss
    return float(moving_loss)


def _torch_accuracy(model, X, y, batch_size=10_000):
    """Fraction of X classified as y, in batches of 10,000, without dropout."""
    import torch

    model.eval()
    with torch.no_grad():
        hits = sum((model(X[i:i + batch_size].float() / 255).argmax(1) == y[i:i + batch_size]).sum().item()
                   for i in range(0, len(y), batch_size))
    model.train()
    return hits / len(y)


def alternate(runs, epochs):
    """Pull one epoch from each run in turn; {name: [(seconds, test acc), ...]}."""
    results = {name: [] for name in runs}
    for _ in range(epochs):
        for name, run in runs.items():
            results[name].append(next(run))
    return results


# ---- lesson 3's run, whole processes ----------------------------------------------------------------------------

def pytorch_lesson3():
    """Lesson 3's run written plainly in PyTorch, printing one line per epoch (run as its own process)."""
    import numpy as np
    import torch

    from core.nn.data import noisy_labels, subset

    cfg = LESSON3
    train_X, train_y, test_X, test_y = _read_mnist_files()
    X, y = subset(train_X, train_y, cfg.train_size, cfg.seed)
    y = noisy_labels(y, cfg.label_noise, cfg.seed + 1)
    torch.manual_seed(cfg.seed)
    model, step = _torch_net(cfg)
    X, y = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    test_X, test_y = torch.from_numpy(test_X), torch.from_numpy(test_y.astype(np.int64))
    for epoch in range(cfg.epochs):
        start = time.perf_counter()
        loss = _torch_epoch(model, step, X, y, cfg.batch_size)
        train_acc, test_acc = _torch_accuracy(model, X, y), _torch_accuracy(model, test_X, test_y)
        print(f"Epoch {epoch}. Loss {loss:.4f}, train accuracy {train_acc:.4f}, test accuracy {test_acc:.4f} "
              f"({time.perf_counter() - start:.2f} s)", flush=True)


def _read_mnist_files():
    """MNIST's four files read with numpy alone (train_X, train_y, test_X, test_y), as a plain script would."""
    import gzip

    import numpy as np

    from core.nn.data import DATA_DIR, check_files

    check_files()

    def read(name, offset):
        with gzip.open(os.path.join(DATA_DIR, name)) as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset).copy()

    return (read("train-images-idx3-ubyte.gz", 16).reshape(-1, 784), read("train-labels-idx1-ubyte.gz", 8),
            read("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784), read("t10k-labels-idx1-ubyte.gz", 8))


def timed_process(args):
    """(wall seconds of the whole process, its last line of output)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {result.stderr.strip().splitlines()[-1:]}")
    return seconds, result.stdout.strip().splitlines()[-1]


# ---- report -----------------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the lesson's run per implementation")
    parser.add_argument("--lesson-epochs", type=int, default=1, help="epochs of the slow lesson-style loop")
    parser.add_argument("--runs", type=int, default=3, help="whole-process runs of lesson 3's run per side")
    parser.add_argument("--skip", choices=("lesson", "lesson3"), help="leave one of the two workloads out")
    parser.add_argument("--pytorch-lesson3", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # Every core for MXNet, as the command line gives it (unset, MXNet takes half the processors); before it loads.
    os.environ.setdefault("OMP_NUM_THREADS", str(available_cores()))
    if args.pytorch_lesson3:
        return pytorch_lesson3()
    torch_name = _torch_name()
    ratios = {}
    if args.skip != "lesson":
        ratios["the lesson's run"] = lesson_table(args, torch_name)
    if args.skip != "lesson3":
        ratios["lesson 3's run"] = lesson3_table(args, torch_name)
    for name, ratio in ratios.items():
        if ratio is not None:
            print(f"project / PyTorch time, {name}: {ratio:.2f}")


def lesson_table(args, torch_name):
    """Print the lesson's run, seconds per epoch; return the project / PyTorch ratio (None without torch)."""
    from core.nn.data import load_mnist

    cfg, mnist = TrainConfig(epochs=args.epochs), load_mnist()
    runs = {"project trainer": project_epochs(cfg, mnist)}
    if torch_name:
        runs[torch_name] = pytorch_epochs(cfg, mnist)
    rows = {name: ([s for s, _ in epochs], epochs[-1][1]) for name, epochs in alternate(runs, args.epochs).items()}
    if args.lesson_epochs:
        rows = {"lesson-style loop": lesson_style(cfg, args.lesson_epochs), **rows}
    medians = {name: statistics.median(times) for name, (times, _) in rows.items()}
    print(f"The lesson's run: 60,000 images, batch 64, dropout 0.5, both accuracies every epoch "
          f"(threads: {_threads()})")
    print(f"  {'implementation':<22}{'median s/epoch':>16}{'epochs':>8}{'test acc':>10}")
    for name, (times, acc) in rows.items():
        print(f"  {name:<22}{medians[name]:>16.3f}{len(times):>8}{acc:>10.4f}")
    ours = medians["project trainer"]
    if "lesson-style loop" in medians:
        print(f"  lesson-style loop / project: {medians['lesson-style loop'] / ours:.1f}x")
    return ours / medians[torch_name] if torch_name else None


def lesson3_table(args, torch_name):
    """Print lesson 3's run, whole-process seconds; return the project / PyTorch ratio (None without torch)."""
    commands = {"project (core.train)": ["-m", "core.train", *LESSON3_FLAGS]}
    if torch_name:
        commands[f"{torch_name} script"] = ["-m", "core.bench", "--pytorch-lesson3"]
    results = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            results[name].append(timed_process(command))
    medians = {name: statistics.median(s for s, _ in runs) for name, runs in results.items()}
    print("Lesson 3's run: " + " ".join(LESSON3_FLAGS) + ", accuracy on 1,000 train + 10,000 test images every "
          "epoch, whole process")
    print(f"  {'implementation':<22}{'median s':>10}{'runs':>6}  last epoch")
    for name, runs in results.items():
        print(f"  {name:<22}{medians[name]:>10.1f}{len(runs):>6}  {runs[-1][1]}")
    names = list(medians)
    return medians[names[0]] / medians[names[1]] if torch_name else None


def _torch_name():
    """'PyTorch 2.13.0' when torch is installed, else None (with a note)."""
    try:
        import torch
    except ImportError:
        print("(torch is not installed: pip install torch==2.13.0 adds the PyTorch figures)")
        return None
    return f"PyTorch {torch.__version__.split('+')[0]}"


def _threads():
    """The thread settings this process runs with, as the environment sets them."""
    return ", ".join(f"{name}={os.environ.get(name, 'unset')}" for name in ("OMP_NUM_THREADS",
                                                                            "MXNET_CPU_WORKER_NTHREADS"))


if __name__ == "__main__":
    main()
