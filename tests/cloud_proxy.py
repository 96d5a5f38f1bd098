"""A stand-in for Streamlit Community Cloud's front: nginx on a free loopback port, for the browser tests.

What it copies of the host (issue 34): the address a person opens, `/PATH?QUERY`, is an outer page whose iframe
loads the app at `/~/+/PATH?QUERY`; requests under `/~/+/` reach `streamlit run` with that prefix removed (the
app has no base URL path), the websocket included; redirects the app sends are passed on unchanged, as the host
does (a path ending in `/` comes back without the prefix). Debian's nginx-light, started as a foreground
process with a config of its own in a temporary folder: no system config, pid, logs and temp files there too.
"""
import contextlib
import os
import pathlib
import shutil
import subprocess
import tempfile
import time
import urllib.request

from tests.app_server import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PREFIX = "/~/+"
OUTER_TITLE = "Community Cloud stand-in"

CONFIG = """
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        location /~/+/ {{
            proxy_pass http://127.0.0.1:{app_port}/;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_redirect off;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }}
        location / {{
            default_type text/html;
            return 200 '<!doctype html><html><head><title>{title}</title><style>body{{margin:0}}
iframe{{border:0;width:100vw;height:100vh}}</style></head><body><iframe title="app" src="/~/+$request_uri"
allow="clipboard-write"></iframe></body></html>';
        }}
    }}
}}
"""


@contextlib.contextmanager
def cloud_proxy(app_url, timeout=20):
    """Yield the outer base URL (http://127.0.0.1:PORT) of a proxy in front of the app at app_url."""
    if not os.path.exists(NGINX):
        raise RuntimeError("nginx is not installed (.ci/run installs Debian's nginx-light)")
    app_port = int(app_url.rsplit(":", 1)[1])
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cloud-proxy-") as tmp:
        conf = pathlib.Path(tmp) / "nginx.conf"
        conf.write_text(CONFIG.format(tmp=tmp, port=port, app_port=app_port, title=OUTER_TITLE))
        proc = subprocess.Popen([NGINX, "-p", tmp, "-c", str(conf), "-e", f"{tmp}/error.log"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if urllib.request.urlopen(url + PREFIX + "/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        log = pathlib.Path(tmp, "error.log")
                        raise RuntimeError("nginx did not start: " + (log.read_text()[-2000:] if log.exists() else ""))
                    time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
