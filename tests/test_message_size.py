"""The websocket takes what the app receives (the pad's drawing is ~30 kB), not Streamlit's default 200 MB messages.

A script speaking Streamlit's protocol could otherwise make the server read and parse a message of hundreds of
megabytes. Checked against the real server (uvicorn), through its own websocket.
"""
import asyncio
import base64
import concurrent.futures
import tomllib

from streamlit.proto.BackMsg_pb2 import BackMsg
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.app_server import ROOT

PAD_DRAWING = 280 * 280  # grey levels of the pad's canvas, the largest value a page receives, before base64


def limit_bytes():
    with open(f"{ROOT}/.streamlit/config.toml", "rb") as f:
        return tomllib.load(f)["server"]["maxMessageSize"] * 1_000_000


def rerun(url, payload=""):
    """A rerun request for the home page carrying `payload` in its query string, as a protocol client sends it."""
    msg = BackMsg()
    msg.rerun_script.query_string = payload
    msg.rerun_script.page_script_hash = ""
    return msg.SerializeToString()


def send(url, data, timeout=20):
    """Send one message; True if the server answered it, False if it closed the connection instead.

    On a thread of its own: the browser tests' Playwright keeps an event loop running on this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _send(url, data, timeout)).result(timeout * 3)


async def _send(url, data, timeout):
    async with connect(url.replace("http", "ws") + "/_stcore/stream", max_size=None, open_timeout=timeout) as ws:
        await ws.send(data)
        try:
            await asyncio.wait_for(ws.recv(), timeout)
            return True
        except ConnectionClosed:
            return False


def test_the_server_refuses_messages_far_beyond_what_the_app_receives(app_url):
    limit = limit_bytes()
    drawing = base64.b64encode(bytes(PAD_DRAWING)).decode()  # an upper bound of the pad's payload
    assert len(drawing) * 10 < limit <= 2_000_000  # room for the drawing, nothing like the default 200 MB
    assert send(app_url, rerun(app_url, "d=" + drawing))
    assert not send(app_url, rerun(app_url, "x" * (limit + 1000)))
