"""The app's own web routes, served by Streamlit's server beside its own (st.App in streamlit_app.py).

    GET /api/runs/{token}?since=N[&viewer=V]   a job's chart rows after N events and where it stands (JSON)
    GET /api/classes/{code}?key=K              what the class board shows, as a version that changes (JSON); K is
                                               the key this server gave the board page it drew (class_ui.watch_url)
    GET /api/vendor/{file}                     the chart libraries the live charts load (app_pages/vendor/)

Every handler is async and never holds up the event loop that carries every session's messages: the runs
route answers from memory without waiting on a lock, the class route reads the database on a worker thread
(one read a second per class, shared with the board's pages). Errors are short JSON sentences; the log gets
the traceback.
"""
import hmac
import logging
import pathlib

from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route

from core.classboard import BadCode, clean_code
from core.runner import jobs
from core.views import live

log = logging.getLogger(__name__)
VENDOR = pathlib.Path(__file__).parent / "vendor"
VENDOR_FILES = {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "LICENSES.txt"}
NO_STORE = {"Cache-Control": "no-store"}
NO_WATCH = "There is no such class board to watch; open the board's page again."
GONE = "There is no such run on this server (it may have been forgotten); press Train to run it again."


def error(status, message):
    return JSONResponse({"error": message}, status_code=status, headers=NO_STORE)


async def run_progress(request):
    """A job's rows after `since` events and its state; 404 for an unknown, forgotten or malformed token."""
    try:
        since = live.parse_since(request.query_params.get("since"))
        if since is None:
            return error(400, "since must be a whole number of events, from 0.")
        job = jobs.find(request.path_params["token"], viewer=request.query_params.get("viewer"))
        if job is None:
            return error(404, GONE)
        return JSONResponse(live.progress(job, since), headers=NO_STORE)
    except Exception:  # noqa: BLE001 - one sentence for the page, the traceback for the log
        log.exception("The progress route failed for %s", request.url.path)
        return error(500, "The server could not read this run's progress.")


async def class_version(request):
    """The class board's version (app_pages.class_ui.version): the board reruns its live part when it changes.

    Only a board page this server drew has the key, so the route tells nobody whether a code they try exists:
    a malformed code, an unknown one and a wrong key get the same answer, without a database read.
    """
    from app_pages import class_ui  # imports Streamlit's caches: not needed before a board is open

    try:
        code = clean_code(request.path_params["code"])
    except BadCode:
        code = None
    key = request.query_params.get("key") or ""
    if code is None or not hmac.compare_digest(key.encode("utf-8", "replace"), class_ui.watch_key(code).encode()):
        return error(404, NO_WATCH)
    try:
        version = await run_in_threadpool(class_ui.version, class_ui.board_url(), code)
    except Exception:  # noqa: BLE001
        log.exception("The class route failed for %s", code)
        return error(500, "The server could not read this class.")
    if version == "unknown":
        return error(404, NO_WATCH)
    return JSONResponse({"version": version}, headers=NO_STORE)


async def vendor(request):
    """A vendored chart library; its URL carries the version, so browsers keep it for a year."""
    name = request.path_params["name"]
    if name not in VENDOR_FILES:
        return error(404, "No such file.")
    media = "text/plain; charset=utf-8" if name.endswith(".txt") else "text/javascript; charset=utf-8"
    return FileResponse(VENDOR / name, media_type=media,
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})


ROUTES = [Route("/api/runs/{token}", run_progress), Route("/api/classes/{code}", class_version),
          Route("/api/vendor/{name}", vendor)]
