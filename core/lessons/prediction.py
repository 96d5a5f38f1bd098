"""Lesson 4's job: dropout at prediction time. What the full net stands in for, how sure it is, what dropout changed.

A trained net is asked three things (Srivastava et al. 2014, figs. 7, 8 and 11; Gal and Ghahramani 2016):
  averaging    test accuracy of the average of T sampled thinned nets, against the full net
  uncertainty  the T sampled predictions for single images (a chosen test digit, the same digit rotated in
               steps, the test images the net is least sure of), their mean and predictive entropy
  inside       first-layer weights as images; hidden activations: histogram, mean, fraction of zeros

    for event in run(PredictConfig(samples=(1, 10, 50))):
        print(event)

run() is what a runner worker executes for a "predict" task. Its events are plain dicts (JSON-able):
  {"kind": "start", "total_batches", "cached"}    cached: the trained net was kept from an earlier request
  {"kind": "batch", "step", "phase": "train" | "predict", ...}   progress
  {"kind": "epoch", ...}                          training's own accuracy check (when the net is trained here)
  {"kind": "averaging", "samples", "mc_test_acc", "mc_test_accs", "full_test_acc", "test_size"}   one per T
  {"kind": "activations", "layer", "mean_activation", "zero_fraction", "size", "edges", "counts"}  per layer
  {"kind": "weights", "units", "images", "change_images"}   28x28 grey images, one per unit
  {"kind": "test_images", "index", "label", "full_pred", "mc_pred", "full_entropy", "mc_entropy"}
  {"kind": "image", "role": "digit" | "rotated" | "ambiguous", "index", "label", "angle", "pixels",
   "samples" (T rows of 10 softmax outputs), "mc", "full", "mc_entropy", "full_entropy"}   one per image
  {"kind": "done", "status": "finished" | "stopped" | "diverged" | "failed", "message"}   (a core.status.Status)

drawing_answers() reads a drawn digit with kept nets, on the runner's MXNet thread.
"""
import numpy as np

from core.config import UNITS_SHOWN, PredictConfig
from core.lessons.measures import activation_stats, entropy, rotate, weight_images
from core.lessons.thinned import (full_probs, hidden_activations, running_sums, sample_probs,
                                  shared_first_layer, accuracy)
from core.netcache import keep_figures, keep_net, kept_figures, kept_net
from core.nn.data import load_mnist, subset
from core.nn.model import init_params, scale_pixels
from core.nn.mx import mx, nd
from core.nn.train import train
from core.status import Status


TEST_SEED = 0  # which test images a test_size subset holds (the same for every request)
AMBIGUOUS = 8  # test images reported as the net's least sure
PROGRESS_EVENTS = 50  # progress events while sampling


def weights_event(cfg, W1, units):
    """The 'weights' event: these units' weights as images, and what training changed (minus the random start)."""
    start = init_params(cfg.seed, (cfg.hidden1, cfg.hidden2))[0].asnumpy()  # train() starts from exactly this
    as_lists = lambda images: images.reshape(len(units), -1).tolist()  # noqa: E731
    return {"kind": "weights", "units": units, "images": as_lists(weight_images(W1, units)),
            "change_images": as_lists(weight_images(W1 - start, units))}


def run(task=PredictConfig(), mnist=None, should_stop=None):
    """The events of one request: train the net (or reuse a kept one), then average, sample and look inside."""
    if mnist is None:
        mnist = load_mnist()
    stop = should_stop or (lambda: False)
    params = kept_net(task.train)
    figures = kept_figures(task) if params is not None else None
    predict_steps = (0 if figures else task.repeats * task.num_samples) + 1
    if params is None:
        params = []
        status, offset = yield from _train(task.train, mnist, stop, params, predict_steps)
        if status != Status.FINISHED:
            return
        keep_net(task.train, params)
    else:
        offset = 0
        yield {"kind": "start", "total_batches": predict_steps, "cached": True}
    if figures is None:
        figures = yield from _net_figures(task, mnist, params, stop, offset)
        if figures is None:
            yield _done(Status.STOPPED, "Stopped on request.")
            return
        keep_figures(task, figures)
    events, least_sure = figures
    yield from events
    if stop():
        yield _done(Status.STOPPED, "Stopped on request.")
        return
    yield from image_events(task, mnist, params, least_sure)
    yield {"kind": "batch", "step": offset + predict_steps, "phase": "predict"}
    yield _done(Status.FINISHED, f"Sampled thinned nets on {task.test_size:,} test images "
                f"({task.repeats} x {task.num_samples}) and {1 + len(task.angles) + len(least_sure)} single images.")


def _done(status, message):
    return {"kind": "done", "status": status, "message": message}


def _train(cfg, mnist, stop, params, predict_steps):
    """Train cfg's net, passing on its progress; its parameters land in `params`.

    Returns (the run's status, its number of training batches).
    """
    for event in train(cfg, mnist, should_stop=stop, trained=params):
        if event["kind"] == "start":
            train_steps = event["total_batches"]
            yield {"kind": "start", "total_batches": event["total_batches"] + predict_steps, "cached": False}
        elif event["kind"] in ("batch", "epoch"):
            yield {**event, "phase": "train"}
        elif event["kind"] == "done":
            if event["status"] != Status.FINISHED:
                yield _done(event["status"], event["message"])
            return event["status"], train_steps


def _net_figures(task, mnist, params, stop, offset):
    """(net-wide events, least sure test images), passing on progress; None if stopped while sampling."""
    index, y = subset(np.arange(len(mnist.test_y)), mnist.test_y, task.test_size, TEST_SEED)
    X = scale_pixels(nd.array(mnist.test_X[index]))
    y_nd = nd.array(y, dtype="float32")
    full = full_probs(X, params)
    full_acc = accuracy(full, y_nd)
    drop_probs = task.train.drop_probs
    accs = {t: [] for t in task.samples}
    mc = full
    every = max(1, task.repeats * task.num_samples // PROGRESS_EVENTS)
    h1 = shared_first_layer(X, params)  # the full net's first layer, and every thinned net's before its dropout
    if not any(drop_probs):  # without dropout every thinned net is the full net: nothing to sample
        accs = {t: [full_acc] * task.repeats for t in task.samples}
    else:
        mx.random.seed(task.sample_seed)
        for r in range(task.repeats):
            for t, total in running_sums(h1, params, drop_probs, task.num_samples):
                if stop():
                    return None
                if t in accs:
                    accs[t].append(accuracy(total, y_nd))
                if r == 0 and t == task.num_samples:
                    mc = total / t
                step = r * task.num_samples + t
                if step % every == 0:
                    total.wait_to_read()  # the engine runs ahead asynchronously: report work that is done
                    yield {"kind": "batch", "step": offset + step, "phase": "predict"}
    events = [{"kind": "averaging", "samples": t, "mc_test_acc": float(np.mean(accs[t])), "mc_test_accs": accs[t],
               "full_test_acc": full_acc, "test_size": task.test_size} for t in task.samples]
    for layer, h in enumerate(hidden_activations(h1, params), 1):
        events.append({"kind": "activations", "layer": layer, **activation_stats(h)})
    events.append(weights_event(task.train, params[0].asnumpy(), list(range(UNITS_SHOWN))))
    full_np, mc_np = full.asnumpy(), mc.asnumpy()
    mc_entropy = entropy(mc_np)
    events.append({"kind": "test_images", "index": index.tolist(), "label": y.tolist(),
                   "full_pred": full_np.argmax(1).tolist(), "mc_pred": mc_np.argmax(1).tolist(),
                   "full_entropy": _rounded(entropy(full_np)), "mc_entropy": _rounded(mc_entropy)})
    least_sure = index[np.argsort(-mc_entropy, kind="stable")[:AMBIGUOUS]].tolist()
    return events, least_sure


def _rounded(a, digits=4):
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def image_events(task, mnist, params, least_sure):
    """One 'image' event per single image: the chosen digit, that digit turned by each angle, the least sure."""
    digit = mnist.test_X[task.digit].reshape(28, 28)
    shown = ([("digit", task.digit, None, digit)] +
             [("rotated", task.digit, a, rotate(digit, a)) for a in task.angles] +
             [("ambiguous", i, None, mnist.test_X[i].reshape(28, 28)) for i in least_sure])
    pixels = np.stack([img.reshape(-1) for *_, img in shown])
    X = scale_pixels(nd.array(pixels))
    mx.random.seed(task.sample_seed + 1)  # the same draws whether or not this worker had the figures kept
    samples = sample_probs(X, params, task.train.drop_probs, task.num_samples).asnumpy()
    full = full_probs(X, params).asnumpy()
    mc = samples.mean(axis=0)
    mc_h, full_h = entropy(mc), entropy(full)
    for k, (role, index, angle, _) in enumerate(shown):
        yield {"kind": "image", "role": role, "index": index, "label": int(mnist.test_y[index]), "angle": angle,
               "pixels": pixels[k].tolist(), "samples": _rounded(samples[:, k]), "mc": _rounded(mc[k]),
               "full": _rounded(full[k]), "mc_entropy": float(mc_h[k]), "full_entropy": float(full_h[k])}


DRAW_SAMPLES = 100  # thinned nets that read a drawn digit


def drawing_answers(nets, pixels, digit, mnist=None, samples=DRAW_SAMPLES, sample_seed=1):
    """What each kept net says about a drawn digit (784 pixels 0..255) and about test image `digit`.

    nets: TrainConfigs of nets trained and kept earlier (kept_net); a net not kept yet is None in the answer.
    Returns [per net: None or {"drawn": answer, "test": answer}], an answer being the full net's probabilities
    and entropy, and the `samples` thinned nets' votes (how many picked each class), mean and entropy. The same
    seed gives the same votes. Runs MXNet: call it on the runner's MXNet thread (Runner.call).
    """
    if mnist is None:
        mnist = load_mnist()
    test = mnist.test_X[digit].reshape(-1)
    X = scale_pixels(nd.array(np.stack([np.asarray(pixels, dtype=np.uint8), test])))
    out = []
    for cfg in nets:
        params = kept_net(cfg)
        if params is None:
            out.append(None)
            continue
        mx.random.seed(sample_seed)
        drawn = sample_probs(X, params, cfg.drop_probs, samples).asnumpy()  # (samples, 2, 10)
        full = full_probs(X, params).asnumpy()
        out.append({role: _answer(drawn[:, k], full[k]) for k, role in enumerate(("drawn", "test"))})
    return out


def _answer(samples, full):
    mc = samples.mean(axis=0)
    return {"full": _rounded(full), "full_entropy": float(entropy(full)), "votes":
            np.bincount(samples.argmax(axis=1), minlength=samples.shape[1]).tolist(),
            "mc": _rounded(mc), "mc_entropy": float(entropy(mc))}
