"""python -m core.predict: train the lesson's MLP, then run lesson 4's checks on it with the code the page uses.

Prints one JSON object (or line) per T: the average of T sampled thinned nets against the full net, and one per
hidden layer: mean activation and fraction of zeros. Flags: those of python -m core.train, plus --samples,
--repeats, --test-size, --sample-seed and --jsonl. A bad value: one line on stderr, exit 2.
"""
import argparse
import json
import sys

from core.cli import run_cli, train_parser, train_values, use_every_core
from core.config import PARAMS, SAMPLES, PredictConfig, TrainConfig


def _int_list(text):
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, e.g. 1,10,50; got {text!r}")


def parse_args(argv=None):
    """(PredictConfig, jsonl) from the command line; a bad value exits 2 with one line on stderr."""
    parser = train_parser("python -m core.predict", "Train the lesson's MLP, then compare the average of T sampled "
                          "thinned nets with the full net and look inside it.")
    parser.add_argument("--samples", type=_int_list, default=SAMPLES, help="Numbers of thinned nets averaged, "
                        "e.g. 1,10,50 (default: " + ",".join(map(str, SAMPLES)) + ").")
    parser.add_argument("--repeats", type=int, default=PARAMS["repeats"].default, help=PARAMS["repeats"].help)
    parser.add_argument("--test-size", type=int, default=10_000, help="Test images the averages are scored on "
                        "(default: all 10,000).")
    parser.add_argument("--sample-seed", type=int, default=PARAMS["sample_seed"].default,
                        help=PARAMS["sample_seed"].help)
    parser.add_argument("--jsonl", action="store_true", help="Print one JSON object per T and per hidden layer.")
    args = parser.parse_args(argv)
    return parser.checked(lambda: PredictConfig(TrainConfig(**train_values(args)), samples=args.samples,
                                                repeats=args.repeats, test_size=args.test_size,
                                                sample_seed=args.sample_seed)), args.jsonl


def cli_line(event, jsonl):
    """The printed line for an averaging or activations event (None for other events)."""
    if event["kind"] == "averaging":
        accs = event["mc_test_accs"]
        row = {"samples": event["samples"], "mc_test_acc": event["mc_test_acc"], "mc_test_acc_min": min(accs),
               "mc_test_acc_max": max(accs), "repeats": len(accs), "full_test_acc": event["full_test_acc"],
               "test_size": event["test_size"]}
        return json.dumps(row) if jsonl else (
            f"T = {row['samples']}: average of T thinned nets {row['mc_test_acc']:.2%} ({min(accs):.2%}.."
            f"{max(accs):.2%} over {len(accs)} draws), full net {row['full_test_acc']:.2%}")
    if event["kind"] == "activations":
        row = {k: event[k] for k in ("layer", "mean_activation", "zero_fraction")}
        return json.dumps(row) if jsonl else (f"Hidden layer {row['layer']}: mean activation "
                                              f"{row['mean_activation']:.3f}, zeros {row['zero_fraction']:.1%}")
    return None


def main(argv=None):
    task, jsonl = parse_args(argv)
    from core.lessons.prediction import run  # after use_every_core: MXNet takes its thread count as it loads

    def show(event):
        if event["kind"] == "epoch":
            print(f"training: epoch {event['epoch'] + 1}, test accuracy {event['test_acc']:.2%}", file=sys.stderr)
        elif (line := cli_line(event, jsonl)) is not None:
            print(line, flush=True)

    return run_cli(run(task), show)


if __name__ == "__main__":
    use_every_core()  # before MXNet loads
    raise SystemExit(main())
