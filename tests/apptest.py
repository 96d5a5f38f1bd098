"""Helpers for page tests under Streamlit's AppTest: open a page through the router, poll until a state."""
import time

from streamlit.testing.v1 import AppTest

from tests.app_server import ROOT


def open_page(path, **query):
    """The app run through streamlit_app.py with these link parameters, switched to the page at `path`."""
    at = AppTest.from_file(f"{ROOT}/streamlit_app.py", default_timeout=60)
    at.query_params.update({k: str(v) for k, v in query.items()})
    at.run()  # the first run anywhere starts the runner's workers
    at.switch_page(path)
    return at.run()


def run_until(at, done, timeout=90):
    """Rerun the page (as its live fragment would) until done(at) holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.3)
        at.run()
        if done(at):
            return at
    raise AssertionError(f"timed out; the page shows {[e.value for e in at.markdown][:5]} and progress "
                         f"{[p.proto.text for p in at.get('progress')]}")


def mounted(at, component="dropout_live_runs"):
    """The data each live component on the page was mounted with (AppTest runs no component JavaScript)."""
    import json
    return [json.loads(c.proto.json) for c in at.get("bidi_component") if c.proto.component_name.endswith(component)]


def largest_element_bytes(at):
    """The size of the largest element on the page as Streamlit serialises it (each goes out in a message of its
    own), for the check against server.maxMessageSize."""
    sizes = [0]

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            sizes.append(proto.ByteSize())
        for child in getattr(node, "children", {}).values():
            walk(child)
    walk(at.main)
    walk(at.sidebar)
    return max(sizes)
