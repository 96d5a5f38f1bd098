"""A class at once, against the real app in headless Chromium: python -m tests.load [--students 12]

N students open the MNIST page and press Train within about a second, half with the link's default
setup (they share one run) and half with seeds of their own, while one more student keeps moving the
dropout slider. Prints what each student saw, the slider's render times and the app's peak memory
(the Streamlit server and its worker processes). A benchmark-style script, not a unit test.
"""
import argparse
import os
import re
import statistics
import threading
import time

from playwright.sync_api import sync_playwright

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, running_app


def tree_rss_mb(pid):
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


class PeakMemory(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            time.sleep(0.25)


def student_state(page):
    text = page.locator("section.main, [data-testid='stMain']").first.inner_text(timeout=5000)
    return {"queued": bool(re.search(r"position \d+ in the queue", text)),
            "live": page.locator("[data-testid='stVegaLiteChart']").count() > 0 and
            (page.locator("[data-testid='stProgress']").count() > 0 or "Finished in" in text),
            "done": "Finished in" in text,
            "error": "Something went wrong" in text or page.locator("[data-testid='stException']").count() > 0}


def move_slider(page, key):
    """Press a key on the drop-probability slider; seconds until the page shows the new expected fraction."""
    metric = page.get_by_text(re.compile(r"^\d+%$")).last
    before = metric.inner_text()
    page.get_by_role("slider").first.press(key)
    start = time.monotonic()
    while metric.inner_text() == before:
        if time.monotonic() - start > 30:
            return float("inf")
        time.sleep(0.02)
    return time.monotonic() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--query", default="epochs=1", help="the class link's setup (default: epochs=1)")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args(argv)
    with running_app() as (url, server), sync_playwright() as p:
        memory = PeakMemory(server.pid)
        memory.start()
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        watcher = browser.new_page()
        watcher.goto(url + "/dropout")
        watcher.get_by_role("slider").first.wait_for(timeout=60_000)
        pages = []
        for i in range(args.students):
            page = browser.new_context().new_page()
            query = args.query if i % 2 == 0 else f"{args.query}&seed={100 + i}"
            page.goto(f"{url}/mnist?{query}")
            pages.append(page)
        for page in pages:
            page.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
        start = time.monotonic()
        for page in pages:
            page.get_by_role("button", name="Train", exact=True).click()
        print(f"{args.students} students pressed Train within {time.monotonic() - start:.2f} s")
        seen = [dict(queued=False, live=False, done=False, error=False, first_live=None) for _ in pages]
        slider_times, key = [], "ArrowLeft"
        while not all(s["done"] or s["error"] for s in seen) and time.monotonic() - start < args.timeout:
            for s, page in zip(seen, pages):
                state = student_state(page)
                if state["live"] and s["first_live"] is None:
                    s["first_live"] = time.monotonic() - start
                for k in ("queued", "live", "done", "error"):
                    s[k] = s[k] or state[k]
            slider_times.append(move_slider(watcher, key))
            key = "ArrowRight" if key == "ArrowLeft" else "ArrowLeft"
        elapsed = time.monotonic() - start
        memory.running = False
        errors = sum(s["error"] for s in seen) + (watcher.locator("[data-testid='stException']").count() > 0)
        print(f"all done in {elapsed:.1f} s" if all(s["done"] for s in seen) else f"timed out after {elapsed:.0f} s")
        for i, s in enumerate(seen):
            print(f"  student {i + 1:2d} ({'class link' if i % 2 == 0 else 'own seed  '}): live chart "
                  f"{'yes' if s['live'] else 'NO '} (after {s['first_live'] or float('nan'):.1f} s), "
                  f"saw queue position: {'yes' if s['queued'] else 'no '}, finished: {'yes' if s['done'] else 'NO'}")
        print(f"students who saw a live chart: {sum(s['live'] for s in seen)} of {len(seen)}; "
              f"saw a queue position: {sum(s['queued'] for s in seen)}; errors anywhere: {errors}")
        print(f"dropout slider, time to re-render: median {statistics.median(slider_times):.2f} s, "
              f"max {max(slider_times):.2f} s over {len(slider_times)} moves")
        print(f"peak resident memory of the app (server + workers): {memory.peak:.0f} MB")
        browser.close()


if __name__ == "__main__":
    main()
