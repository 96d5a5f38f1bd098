"""Page scripts take turns: never more than the slots at once, by urgency then arrival, nested turns."""
import threading
import time

from app_pages.turns import BULK, PAGE, REDRAW, Turns

LIMIT = 10  # seconds: a thread still blocked after this is a deadlock


def wait_until(condition):
    deadline = time.monotonic() + LIMIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def start(target, *args):
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def finish(threads):
    for thread in threads:
        thread.join(LIMIT)
        assert not thread.is_alive(), "a thread never got its turn"


def test_no_more_than_the_slots_run_at_once():
    turns, lock, running, most = Turns(2), threading.Lock(), [0], [0]

    def script():
        with turns.turn():
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1

    finish([start(script) for _ in range(8)])
    assert most[0] == 2


def test_waiting_runs_go_by_urgency_then_by_arrival():
    turns, order = Turns(1), []

    def script(name, urgency):
        with turns.turn(urgency):
            order.append(name)

    threads = []
    with turns.turn():  # the only slot is taken while they line up
        with turns.turn():  # nested on one thread: no second slot needed
            pass
        for name, urgency in (("redraw", REDRAW), ("train 1", BULK), ("page 1", PAGE), ("train 2", BULK),
                              ("page 2", PAGE)):
            threads.append(start(script, name, urgency))
            wait_until(lambda: turns.waiting() == len(threads))
    finish(threads)
    assert order == ["page 1", "page 2", "train 1", "train 2", "redraw"]


def test_stepping_out_lets_another_script_run_and_takes_the_turn_back():
    turns, order = Turns(1), []

    def other():
        with turns.turn():
            order.append("other")

    with turns.turn():
        thread = start(other)
        wait_until(lambda: turns.waiting(0) == 1)
        with turns.stepped_out():
            finish([thread])
        order.append("back")
    assert order == ["other", "back"]
    with turns.turn():  # the slot was returned
        pass


def step_out_and_back(urgency, back, waiters):
    """A script with the only turn steps out, another takes the turn, `waiters` ((name, urgency), in this order)
    queue up, the script asks for its turn back (in line `back`), the holder ends: the order they all ran in."""
    turns, order = Turns(1), []
    out, again, holding, hold = (threading.Event() for _ in range(4))

    def stepper():
        with turns.turn(urgency):
            with turns.stepped_out(back=back):
                out.set()
                again.wait(LIMIT)
            order.append("stepper")

    def holder():
        with turns.turn():
            holding.set()
            hold.wait(LIMIT)
            order.append("holder")

    def waiter(name, urgency):
        with turns.turn(urgency):
            order.append(name)

    def queued():
        return turns.waiting()

    threads = [start(stepper)]
    out.wait(LIMIT)
    threads.append(start(holder))  # takes the slot the stepper gave up
    holding.wait(LIMIT)
    for n, (name, waiter_urgency) in enumerate(waiters, 1):
        threads.append(start(waiter, name, waiter_urgency))
        wait_until(lambda: queued() == n)
    again.set()
    wait_until(lambda: queued() == len(waiters) + 1)
    hold.set()
    finish(threads)
    return order


def test_a_script_back_from_stepping_out_goes_before_those_that_came_meanwhile():
    # back first in line, before the page that waited longer
    assert step_out_and_back(PAGE, PAGE, [("page", PAGE)]) == ["holder", "stepper", "page"]


def test_a_script_can_come_back_in_a_less_urgent_line():
    # a Train rerun waiting for its run's first point: back behind the waiting page, before the later Train rerun
    assert step_out_and_back(BULK, BULK, [("train", BULK), ("page", PAGE)]) == ["holder", "page", "stepper", "train"]
