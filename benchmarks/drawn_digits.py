"""Drawn digits against test digits: python -m benchmarks.drawn_digits

Starts the real app, computes the class's pair of nets on lesson 4 (dropout 0.5 and none, 20,000 images,
5 epochs), then in headless Chromium draws five digits and five scribbles on the pad with the mouse, and for
five test images reads what the page says: the full net's prediction and the predictive entropy of the average
of 100 thinned nets (the net with dropout). Prints one line per image and the medians.
"""
import math
import random
import re
import statistics

from playwright.sync_api import expect, sync_playwright

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, running_app

COMPUTE = re.compile(r"^(\w+\s+)?Compute$")
ANSWER = re.compile(r"With dropout 0\.5: .*?the full net says (\d) \(\d+%\).*?predictive entropy (\d\.\d\d) nats")


def ellipse(cx, cy, rx, ry, n=40):
    return [(cx + rx * math.sin(2 * math.pi * k / n), cy - ry * math.cos(2 * math.pi * k / n)) for k in range(n + 1)]


DIGITS = {  # strokes in the pad's 280-pixel coordinates, as a person might draw them
    "7": [[(60, 60), (220, 60)], [(220, 60), (120, 240)]],
    "1": [[(140, 40), (140, 240)]],
    "0": [ellipse(140, 140, 65, 100)],
    "4": [[(170, 40), (60, 170), (215, 170)], [(170, 40), (170, 250)]],
    "3": [[(70, 60), (200, 60), (130, 135)], [(130, 135), (210, 190), (150, 245), (70, 230)]],
}


def scribble(seed):
    rng = random.Random(seed)
    return [[(rng.uniform(30, 250), rng.uniform(30, 250)) for _ in range(14)]]


def draw(page, strokes):
    canvas = page.locator(".pad canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    scale = box["width"] / 280
    page.get_by_role("button", name="Clear").click()
    page.wait_for_timeout(500)
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0] * scale, box["y"] + stroke[0][1] * scale)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=8)
        page.mouse.up()


def answer(page, title):
    """(full net's class, entropy) from the sentence for `title` ('Your digit' or 'Test image N')."""
    line = page.get_by_text(re.compile(rf"^{title}\. With dropout 0\.5: "))
    expect(line).to_be_visible(timeout=60_000)
    found = ANSWER.search(line.inner_text())
    return int(found.group(1)), float(found.group(2))


def compute(page, url, digit):
    page.goto(f"{url}/predict?digit={digit}")
    page.get_by_role("button", name=COMPUTE).click()
    expect(page.locator(".pad canvas")).to_be_visible(timeout=300_000)


def main():
    rows = []
    with running_app() as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for i, digit in enumerate((0, 1, 2, 3, 4)):  # five test images, each with a drawing beside it
            compute(page, url, digit)
            name, strokes = list(DIGITS.items())[i]
            draw(page, strokes)
            rows.append(("drawn " + name, *answer(page, "Your digit")))
            rows.append((f"test image {digit}", *answer(page, f"Test image {digit}")))
            draw(page, scribble(i))
            page.wait_for_timeout(1500)  # the answer to the new drawing replaces the old one
            rows.append((f"scribble {i + 1}", *answer(page, "Your digit")))
        browser.close()
    for name, predicted, entropy in rows:
        print(f"{name:14s} full net says {predicted}, predictive entropy {entropy:.2f} nats")
    for kind in ("drawn", "scribble", "test image"):
        values = [e for name, _, e in rows if name.startswith(kind)]
        print(f"median entropy, {kind}s: {statistics.median(values):.2f} nats ({len(values)} images)")


if __name__ == "__main__":
    main()
