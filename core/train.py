"""python -m core.train: one training of the lesson's MLP, with the same code path as the pages.

    python -m core.train --epochs 10 --jsonl

Flags: --epochs --batch-size --lr --drop-prob --drop-prob1 --drop-prob2 --seed --train-size --label-noise (and
--inputs --eval-size --eval-every --hidden1 --hidden2); the defaults reproduce the lesson's run. --jsonl prints
one JSON object per epoch with epoch, moving_loss, train_acc, test_acc, seconds. A bad value: one line on
stderr, exit 2.
"""
import json

from core.cli import run_cli, train_parser, train_values, use_every_core
from core.config import TrainConfig


def parse_args(argv=None):
    """The CLI's flags, checked against core.config; a bad value exits 2 with one line on stderr."""
    parser = train_parser("python -m core.train", "Train the dropout lesson's MLP on MNIST.")
    parser.add_argument("--jsonl", action="store_true", help="Print one JSON object per epoch.")
    args = parser.parse_args(argv)
    return parser.checked(lambda: TrainConfig(**train_values(args))), args.jsonl


def main(argv=None):
    cfg, jsonl = parse_args(argv)
    from core.nn.train import train  # after use_every_core: MXNet takes its thread count as it loads

    def show(event):
        if event["kind"] == "epoch":
            print(json.dumps(event) if jsonl else
                  f"Epoch {event['epoch']}. Moving loss {event['moving_loss']:.4f}, train accuracy "
                  f"{event['train_acc']:.4f}, test accuracy {event['test_acc']:.4f} "
                  f"({event['seconds']:.2f} s)", flush=True)

    return run_cli(train(cfg), show)


if __name__ == "__main__":
    use_every_core()  # before MXNet loads
    raise SystemExit(main())
