"""A cold start, as a class meets it: python -m benchmarks.cold_start [--runs 3] [--container MB] [--json PATH]

Each run starts `streamlit run` afresh (its own empty class database, spool and kept-nets folder, as on a fresh
checkout; the OS file cache is not emptied) and times, from the moment the process is started: Streamlit's
health check answering, the home page shown in headless Chromium (its title drawn), the MNIST page shown, and the
first Train's first loss point on the live chart. Chromium is started before the clock, so its own start is not
counted. With --container MB the app runs in a container of 1 core and MB megabytes (benchmarks/container.py).
A benchmark, not a unit test: timings on a shared machine are noisy.
"""
import argparse
import contextlib
import json
import os
import re
import statistics
import tempfile
import time

from playwright.sync_api import expect, sync_playwright

from benchmarks import container
from benchmarks.container import Container
from tests.app_server import CHROMIUM, CHROMIUM_ARGS, TRAIN, running_app

STEPS = ("health", "home", "mnist", "first_point")
FIRST_RUN = "/mnist?epochs=1&train_size=1000&lr=0.01&seed={seed}"
SOME_ROWS = re.compile(r"^[1-9]\d*$")  # the live chart's data-rows once it holds a loss point


def one_start(browser, args, seed):
    """Seconds from `streamlit run` to each step of STEPS, and the container's figures (or None)."""
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp, \
            (Container(args.container) if args.container else contextlib.nullcontext()) as box:
        env = {"CLASSBOARD_URL": f"sqlite:///{tmp}/classboard.sqlite3", "CLASSBOARD_SPOOL": f"{tmp}/spool.sqlite3",
               "DROPOUT_NET_CACHE": f"{tmp}/nets"}
        page = browser.new_page()
        start = time.monotonic()
        with running_app(timeout=180, env=env, wrap=box.command if box else ()) as (url, _):
            took = {"health": time.monotonic() - start}
            page.goto(url)
            expect(page.get_by_role("heading", name="Dropout, hands on", level=1)).to_be_visible(timeout=120_000)
            took["home"] = time.monotonic() - start
            page.goto(url + FIRST_RUN.format(seed=seed))
            train = page.get_by_role("button", name=TRAIN)
            expect(train).to_be_enabled(timeout=120_000)
            took["mnist"] = time.monotonic() - start
            train.click()
            expect(page.locator(".live .chart").first).to_have_attribute("data-rows", SOME_ROWS, timeout=180_000)
            took["first_point"] = time.monotonic() - start
            took["train_to_first_point"] = took["first_point"] - took["mnist"]
            figures = box.figures() if box else None
        page.close()
    return took, figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--container", type=int, metavar="MB")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 20 or (args.container is not None and args.container < 256):
        parser.error("--runs must be 1 to 20, --container at least 256 (MB)")
    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for i in range(args.runs):
                runs.append(one_start(browser, args, seed=900 + i))
        finally:
            browser.close()
    where = f"in a container of 1 core and {args.container} MB" if args.container else "on this machine"
    print(f"Cold start {where}, seconds from `streamlit run` (load average {os.getloadavg()[0]:.1f}):")
    for step, label in (("health", "health check answered"), ("home", "home page shown"),
                        ("mnist", "MNIST page shown"), ("first_point", "first Train's first loss point"),
                        ("train_to_first_point", "  of which from the Train click")):
        values = [took[step] for took, _ in runs]
        print(f"  {label}: median {statistics.median(values):.2f} s ({', '.join(f'{v:.2f}' for v in values)})")
    for _, figures in runs:
        if figures:
            print("  " + container.text(figures))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"seconds": took, "container": figures} for took, figures in runs], f, indent=1)


if __name__ == "__main__":
    main()
