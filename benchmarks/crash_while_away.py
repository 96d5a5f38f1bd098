"""What a crash of the server while the class database is away loses: python -m benchmarks.crash_while_away

On a throwaway PostgreSQL cluster of its own (Debian's postgresql, as root): two students register class runs
while the database is up, the database stops, two more register, all four runs end (their rows go to the local
spool), the server and its workers are killed (SIGKILL of the process group), the database starts again, and
the server is started again, once with its disk (the spool) kept and once with the spool deleted, as on a host
that keeps no local files. Prints, for each, what reached the board and how long after the restart.
"""
import os
import signal
import time

from playwright.sync_api import sync_playwright

from core.classboard import Board, Setup
from tests import pg
from tests.app_server import CHROMIUM, CHROMIUM_ARGS, class_student_trains, free_port, running_app

SETUP = Setup(values=(0.0, 0.5), epochs=10, lr=0.01, train_size=3000, predict_first=False)


def one_crash(browser, cluster, spool, keep_disk):
    board = Board(cluster.url)
    code = board.create_class(SETUP)
    env = {"CLASSBOARD_URL": cluster.url, "CLASSBOARD_SPOOL": spool}
    port = free_port()
    with running_app(port=port, env=env) as (url, proc):
        for name in ("Ada", "Bo"):
            class_student_trains(browser, url, code, name)
        cluster.stop()
        for name in ("Cy", "Di"):
            class_student_trains(browser, url, code, name)
        time.sleep(25)  # every run ends meanwhile; its row waits in the spool
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    cluster.start()
    if not keep_disk and os.path.exists(spool):
        os.remove(spool)
    started = time.monotonic()
    with running_app(port=port, env=env) as (url, _):
        page = browser.new_page()
        page.goto(f"{url}/class?class={code}")
        seen, last = 0, None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            now = len(board.runs(code))
            if now > seen:
                seen, last = now, time.monotonic() - started
            if now == 4:
                break
            page.wait_for_timeout(500)
        page.close()
    students = sorted(r["student"] for r in board.runs(code))
    return {"recorded": students, "last_s": last, "outcomes": board.registration_outcomes(code)}


def main():
    why = pg.available()
    if why:
        raise SystemExit(f"crash_while_away: {why}")
    cluster = pg.Cluster()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for keep in (True, False):
                spool = f"/tmp/crash-spool-{os.getpid()}-{keep}.sqlite3"
                result = one_crash(browser, cluster, spool, keep)
                lost = sorted({"Ada", "Bo", "Cy", "Di"} - set(result["recorded"]))
                print(f"spool {'kept' if keep else 'lost'}: recorded {result['recorded']} "
                      f"(last {result['last_s'] or 0:.1f} s after the restart); lost {lost or 'nothing'}; "
                      f"registrations open/ended {result['outcomes']}", flush=True)
            browser.close()
    finally:
        cluster.remove()


if __name__ == "__main__":
    main()
