"""What the command lines share: flags from core.config, one-line errors with exit status 2, and one loop that
drives a run's events (python -m core.train, python -m core.predict)."""
import argparse
import os
import sys

from core.config import PARAMS, TrainConfig
from core.status import Status


TRAIN_FLAGS = ("epochs", "batch_size", "lr", "drop_prob1", "drop_prob2", "seed", "train_size", "label_noise",
               "inputs", "eval_size", "eval_every", "hidden1", "hidden2")  # the training flags of both


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")

    def checked(self, make):
        """make(), or exit 2 with one line when it refuses a value (a ValueError from the config classes)."""
        try:
            return make()
        except ValueError as err:
            self.error(str(err))


def train_parser(prog, description):
    """A OneLineParser with a flag per TRAIN_FLAGS (PARAMS' type, range and help) and --drop-prob for both layers."""
    parser = OneLineParser(prog=prog, description=description)
    defaults = TrainConfig()
    for name in TRAIN_FLAGS:
        p = PARAMS[name]
        parser.add_argument("--" + name.replace("_", "-"), type=p.kind, default=getattr(defaults, name),
                            help=p.help, choices=p.choices or None)
    parser.add_argument("--drop-prob", type=float, default=None,
                        help="Drop probability for both hidden layers (overrides the two flags above).")
    return parser


def train_values(args):
    """The TrainConfig values parsed by a train_parser: --drop-prob, when given, sets both layers."""
    values = {name: getattr(args, name) for name in TRAIN_FLAGS}
    if args.drop_prob is not None:
        values.update(drop_prob1=args.drop_prob, drop_prob2=args.drop_prob)
    return values


def cli_threads():
    """MXNet's threads on a command line: OMP_NUM_THREADS when set, else every core this process may use."""
    if "OMP_NUM_THREADS" in os.environ:
        return int(os.environ["OMP_NUM_THREADS"])
    from core.runner.capacity import available_cores  # affinity mask and cgroup quota; no MXNet
    return available_cores()


def use_every_core():
    """For a command line, before MXNet loads: MXNet threads for every core this process may use (unset, MXNet
    takes half the processors, as it assumes two hyperthreads per core). Runner workers set their own share."""
    os.environ["OMP_NUM_THREADS"] = str(cli_threads())


def run_cli(events, show):
    """Drive a command line's event stream: show(event) for each one; exit status 1 when the run does not
    finish or the data files are bad (one line on stderr), 130 on Ctrl-C, else 0."""
    from core.nn.data import DataError

    try:
        for event in events:
            if event["kind"] == "done" and event["status"] != Status.FINISHED:
                print(event["message"], file=sys.stderr)
                return 1
            show(event)
    except DataError as err:
        print(err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


