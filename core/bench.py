"""Seconds per epoch of the lesson's run, three ways, in one process: python -m core.bench

1. the lesson's own loop style: a gluon DataLoader over a per-sample transform, imperative ops;
2. this project's trainer (core.train.train), exactly as the app runs it;
3. the same MLP in PyTorch on the CPU, when torch is installed (it is not a project requirement).

Each epoch is timed with both evaluations (full train and test sets). Medians are printed, and ratios.
"""
import argparse
import statistics
import time

from core.config import TrainConfig
from core.data import DATA_DIR, load_mnist
from core.model import layer_shapes
from core.mx import autograd, gluon, mx, nd
from core.ops import relu, dropout, softmax_cross_entropy
from core.train import train


def lesson_style(cfg, epochs):
    """The lesson's loop, written fresh: per-sample transform, dot layout, host sync every batch."""
    to_float = lambda data, label: (data.astype("float32") / 255, label.astype("float32"))  # noqa: E731
    root = DATA_DIR
    train_data = gluon.data.DataLoader(gluon.data.vision.MNIST(root=root, train=True, transform=to_float),
                                       cfg.batch_size, shuffle=True)
    test_data = gluon.data.DataLoader(gluon.data.vision.MNIST(root=root, train=False, transform=to_float),
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


def project(cfg, epochs, mnist):
    events = list(train(TrainConfig(**{**cfg.__dict__, "epochs": epochs}), mnist))
    epochs_ = [e for e in events if e["kind"] == "epoch"]
    return [e["seconds"] for e in epochs_], epochs_[-1]["test_acc"]


def pytorch(cfg, epochs, mnist):
    """The same MLP, init, batch order style and summed loss in PyTorch (nn.Linear, nn.Dropout, SGD)."""
    import numpy as np
    import torch
    from torch import nn

    torch.manual_seed(cfg.seed)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(cfg.drop_prob1),
                          nn.Linear(256, 128), nn.ReLU(), nn.Dropout(cfg.drop_prob2), nn.Linear(128, 10))
    for p in model.parameters():
        nn.init.normal_(p, std=0.01)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    X = torch.from_numpy(mnist.train_X)
    y = torch.from_numpy(mnist.train_y.astype(np.int64))
    tX, ty = torch.from_numpy(mnist.test_X), torch.from_numpy(mnist.test_y.astype(np.int64))

    def accuracy(X, y):
        model.eval()
        with torch.no_grad():
            hits = sum((model(X[i:i + 10000].float() / 255).argmax(1) == y[i:i + 10000]).sum().item()
                       for i in range(0, len(y), 10000))
        model.train()
        return hits / len(y)

    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(y))
        Xs, ys = X[order], y[order]
        moving_loss = None
        for i in range(0, len(y), cfg.batch_size):
            loss = loss_fn(model(Xs[i:i + cfg.batch_size].float() / 255), ys[i:i + cfg.batch_size])
            opt.zero_grad()
            loss.backward()
            opt.step()
            batch_loss = loss.detach() / len(ys[i:i + cfg.batch_size])
            moving_loss = batch_loss if moving_loss is None else 0.99 * moving_loss + 0.01 * batch_loss
        test_acc = accuracy(tX, ty)
        accuracy(X, y)
        times.append(time.perf_counter() - start)
    return times, test_acc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs per implementation (default 5)")
    parser.add_argument("--lesson-epochs", type=int, default=2, help="epochs of the slow lesson-style loop")
    args = parser.parse_args(argv)
    cfg, mnist = TrainConfig(), load_mnist()
    rows = [("lesson-style loop", *lesson_style(cfg, args.lesson_epochs)),
            ("project trainer", *project(cfg, args.epochs, mnist))]
    try:
        import torch
        rows.append((f"PyTorch {torch.__version__}", *pytorch(cfg, args.epochs, mnist)))
    except ImportError:
        print("(torch not installed: pip install torch==2.13.0 adds the PyTorch column)")
    medians = {name: statistics.median(times) for name, times, _ in rows}
    print(f"{'implementation':<24}{'median s/epoch':>16}{'epochs':>8}{'test acc':>10}")
    for name, times, acc in rows:
        print(f"{name:<24}{medians[name]:>16.3f}{len(times):>8}{acc:>10.4f}")
    ours = medians["project trainer"]
    print(f"speed-up over the lesson-style loop: {medians['lesson-style loop'] / ours:.2f}x")
    for name in medians:
        if name.startswith("PyTorch"):
            print(f"project / PyTorch time ratio: {ours / medians[name]:.2f} (<= 1.0 means as fast or faster)")


if __name__ == "__main__":
    main()
