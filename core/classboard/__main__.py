"""The class board from a shell.

    python -m core.classboard new [--code CODE] [--vary drop_prob|train_size] [--values 0,0.5,0.9] [--free]
                                  [--epochs N] [--train-size N] [--lr X] [--batch-size N] [--drop-prob P]
                                  [--eval-every N] [--no-predict]
    python -m core.classboard export CODE > runs.csv
    python -m core.classboard close CODE

The database is the app's: CLASSBOARD_URL, else `[connections.classboard] url` in .streamlit/secrets.toml,
else classboard.sqlite3 beside the app; --url overrides all three. Bad input: one line on stderr, exit 2.
"""

import dataclasses
import logging
import os
import sys

from core.classboard.experiment import VARIES, Setup, parse_values
from core.cli import OneLineParser
from core.classboard.names import BadCode, clean_code, new_teacher_token
from core.classboard.store import PROJECT_ROOT, Board, BoardUnavailable, ClassExists, UnknownClass, resolve_url


def secrets_url(path=os.path.join(PROJECT_ROOT, ".streamlit", "secrets.toml")):
    """`[connections.classboard] url` from the app's secrets file, or None."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import toml as tomllib  # Streamlit depends on it
    try:
        with open(path, "rb" if tomllib.__name__ == "tomllib" else "r") as f:
            return tomllib.load(f).get("connections", {}).get("classboard", {}).get("url")
    except (OSError, ValueError, AttributeError):
        return None


def parser():
    p = OneLineParser(prog="python -m core.classboard", description="Create and export class board experiments.")
    p.add_argument("--url", help="Database URL (default: CLASSBOARD_URL, the app's secrets, or the SQLite file).")
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    new = sub.add_parser("new", help="Start a class experiment; prints its code and links.")
    new.add_argument("--code", help="The class code (6-12 letters or digits, none of 0, O, 1, I, L); random if "
                                    "omitted.")
    new.add_argument("--vary", choices=VARIES, default="drop_prob", help="What the class varies.")
    new.add_argument("--values", help="Comma-separated values of the varied setting (default: the standard sweep).")
    new.add_argument("--free", action="store_true", help="Let students pick their value instead of assigning one.")
    new.add_argument("--no-predict", dest="predict_first", action="store_false",
                     help="Do not ask for guesses before Train (results are then shown at once).")
    default = Setup()
    for name, kind, help_text in (
            ("epochs", int, "Epochs of every run."), ("train_size", int, "Training images when the class varies the "
                                                      "drop probability."),
            ("lr", float, "Learning rate (on the summed loss)."), ("batch_size", int, "Images per gradient step."),
            ("drop_prob", float, "The 'with dropout' probability when the class varies the training-set size."),
            ("eval_every", int, "Epochs between accuracy checks (the last epoch is always checked).")):
        new.add_argument("--" + name.replace("_", "-"), type=kind, default=getattr(default, name),
                         help=f"{help_text} Default: {getattr(default, name)}.")
    for name in ("export", "close"):
        cmd = sub.add_parser(name, help=f"{name.capitalize()} a class's runs." if name == "export" else
                             "Stop recording runs for a class.")
        cmd.add_argument("code")
    return p


def run(args, board):
    """Carry out one command; returns what to print on stdout."""
    if args.command == "new":
        fixed = {name: getattr(args, name) for name in ("epochs", "train_size", "lr", "batch_size", "drop_prob",
                                                        "eval_every")}
        setup = Setup.for_vary(args.vary, assign=not args.free, predict_first=args.predict_first, **fixed)
        if args.values:
            setup = dataclasses.replace(setup, values=parse_values(args.values, args.vary))
        token = new_teacher_token()
        code = board.create_class(setup, code=args.code, teacher_token=token)
        return (f"{code}\nstudents: /mnist?class={code}\nboard:    /class?class={code}\n"
                f"teacher:  /class?class={code}&teacher={token}   (secret: whoever opens it manages the class; "
                f"shown only now)\n{setup.describe()}\n")
    code = clean_code(args.code)
    if board.get_class(code) is None:
        raise UnknownClass(f"there is no class with code {code} in {board.describe()}")
    if args.command == "close":
        board.close_class(code)
        return f"Class {code} is closed: its board stays, new runs are no longer recorded.\n"
    return board.export_csv(code)


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    logging.getLogger("core.classboard").addHandler(logging.NullHandler())  # its one line below says it all
    board = Board(resolve_url(args.url or os.environ.get("CLASSBOARD_URL"), secrets_url()))
    try:
        sys.stdout.write(run(args, board))
    except (BadCode, ClassExists, UnknownClass, ValueError) as err:
        p.exit(2, f"{p.prog}: error: {str(err).rstrip('.')}\n")
    except BoardUnavailable as err:  # the teacher at a shell gets the driver's line too, the password masked
        p.exit(1, f"{p.prog}: {err} {board.describe()}: {err.detail or ''}\n")
    finally:
        board.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
