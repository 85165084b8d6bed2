"""Run a student's function with a deadline, so a loop that never ends cannot hang `check`.

In the main thread of a Unix process (a Jupyter kernel, a script) a timer signal interrupts
the function after `seconds`; the interruption arrives between Python bytecodes, so a long
single numpy call finishes first. Elsewhere (Windows, or a check run from another thread) the
function runs in a daemon thread that `check` stops waiting for: the verdict comes back on
time, and the message says that the runaway loop is still using the processor.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

DEFAULT_SECONDS = 10.0


class DeadlineExceeded(TimeoutError):
    """The student's function did not return in time."""

    def __init__(self, seconds: float, still_running: bool):
        self.seconds = seconds
        self.still_running = still_running
        super().__init__(f"did not return within {seconds:g} s")


def call_with_deadline(function: Callable, args=(), kwargs=None, seconds: float = DEFAULT_SECONDS):
    """``function(*args, **kwargs)``, or `DeadlineExceeded` after `seconds`."""
    kwargs = kwargs or {}
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _with_timer_signal(function, args, kwargs, seconds)
    return _in_a_thread(function, args, kwargs, seconds)


def _with_timer_signal(function, args, kwargs, seconds):
    def interrupt(signum, frame):
        raise DeadlineExceeded(seconds, still_running=False)

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _in_a_thread(function, args, kwargs, seconds):
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 (handed back to the caller below)
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True, name="cinelab-check")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise DeadlineExceeded(seconds, still_running=True)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
