"""Trained nets (and the figures computed from them) kept in this process and in a folder shared by every
worker, so a class's pair is trained once and another digit on the same nets costs a fraction of a second.

Files are named by a hash of what made them: the net's TrainConfig and the training code, so a change to the
code trains the net again.
"""
import functools
import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from dataclasses import asdict

from core.nn.mx import nd


KEEP = 8  # trained nets (and their figures) a process keeps in memory
KEEP_FILES = 64  # files of each kind (nets, figures) kept in the cache folder
_NETS = OrderedDict()  # TrainConfig -> trained parameters, in this process; most recently used last


_FIGURES = OrderedDict()  # PredictConfig.figures_key() -> (net-wide events, least sure test images)
TRAINING_CODE = ("nn/data.py", "nn/model.py", "nn/ops.py", "nn/train.py")


def forget_in_memory():
    """Forget the nets and figures this process keeps in memory (the disk copies stay), as a fresh worker starts."""
    _NETS.clear()
    _FIGURES.clear()


def _remember(cache, key, value):
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > KEEP:
        cache.popitem(last=False)


def cache_dir():
    """Folder of trained nets shared by every worker: $DROPOUT_NET_CACHE, else one in the system's temp folder."""
    return os.environ.get("DROPOUT_NET_CACHE") or os.path.join(tempfile.gettempdir(), "dropout-dashboard-nets")


@functools.lru_cache(maxsize=4)
def _code_digest(names):
    """A digest of these core modules: once their code changes, what they made is made again."""
    digest = hashlib.sha1()
    for name in names:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def _file_for(key, code, suffix):
    name = hashlib.sha1((json.dumps(key, sort_keys=True) + _code_digest(code)).encode()).hexdigest()[:24]
    return os.path.join(cache_dir(), name + suffix)


def cache_path(cfg):
    """The file that holds the net trained on cfg (about 1 MB), named by a hash of cfg and the training code."""
    return _file_for(asdict(cfg), TRAINING_CODE, ".params")


def figures_path(task):
    """The file that holds a request's net-wide figures (about 100 kB), named like cache_path."""
    train, *rest = task.figures_key()
    return _file_for([asdict(train), *rest], TRAINING_CODE + ("lessons/prediction.py", "lessons/thinned.py"), ".json")


def _write(path, save):
    """save(temporary path), then move it into place: two workers writing one file never mix their bytes."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        save(f"{path}.{os.getpid()}.tmp")
        os.replace(f"{path}.{os.getpid()}.tmp", path)
        suffix = os.path.splitext(path)[1]
        files = sorted((os.path.join(cache_dir(), n) for n in os.listdir(cache_dir()) if n.endswith(suffix)),
                       key=os.path.getmtime)
        for old in files[:-KEEP_FILES]:
            os.remove(old)
    except OSError:
        pass  # no writable folder: kept in this process only


def kept_net(cfg):
    """The parameters of the net trained on cfg if this process or the cache folder has them, else None."""
    if cfg in _NETS:
        _NETS.move_to_end(cfg)
        return _NETS[cfg]
    path = cache_path(cfg)
    if not os.path.exists(path):
        return None
    try:
        params = nd.load(path)
    except Exception:  # noqa: BLE001 - a damaged file only costs a retraining
        return None
    _remember(_NETS, cfg, params)
    return params


def keep_net(cfg, params):
    """Keep a trained net in this process and, if the folder is writable, in the cache folder."""
    _remember(_NETS, cfg, params)
    _write(cache_path(cfg), lambda tmp: nd.save(tmp, list(params)))


def kept_figures(task):
    """(net-wide events, least sure test images) for the request's net and sampling, if kept; else None."""
    if task.figures_key() in _FIGURES:
        return _FIGURES[task.figures_key()]
    try:
        with open(figures_path(task)) as f:
            saved = json.load(f)
        figures = (saved["events"], saved["least_sure"])
    except (OSError, ValueError, KeyError, TypeError):  # missing or damaged: computed again
        return None
    _remember(_FIGURES, task.figures_key(), figures)
    return figures


def keep_figures(task, figures):
    """Keep a request's net-wide figures, so another digit on the same net skips the sampling on any worker."""
    _remember(_FIGURES, task.figures_key(), figures)

    def save(tmp):
        with open(tmp, "w") as f:
            json.dump({"events": figures[0], "least_sure": figures[1]}, f)

    _write(figures_path(task), save)
