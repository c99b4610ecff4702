"""GroupCommit: who writes what, in which thread, when threads ask at the same moment."""

import threading
import time

import pytest
from django.db import transaction

from smartzone.groupcommit import GroupCommit

WAIT = 10  # seconds; a deadlock fails the test instead of hanging it


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.005)


class Recorder:
    """write_many and write_one that say which thread wrote which items. The first single
    write waits for `release`, so that the threads started meanwhile queue up behind it."""

    def __init__(self, *, group_fails=False, failing_item=None):
        self.group_fails, self.failing_item = group_fails, failing_item
        self.release = threading.Event()
        self.groups: list[list] = []
        self.alone: list[tuple] = []
        self._lock = threading.Lock()

    def write_many(self, items):
        with self._lock:
            self.groups.append(list(items))
        if self.group_fails:
            raise RuntimeError("a taken code")
        return [f"group:{item}" for item in items]

    def write_one(self, item):
        if not self.alone:
            self.release.wait(WAIT)
        with self._lock:
            self.alone.append((item, threading.get_ident()))
        if item == self.failing_item:
            raise ValueError(f"refused {item}")
        return f"alone:{item}"


def submit_from_threads(group: GroupCommit, recorder: Recorder, items: list) -> dict:
    """Run the first item, then the rest in threads of their own while the first is held;
    return {item: result or exception, "thread:<item>": the thread's ident}."""
    results: dict = {}

    def submit(item):
        results[f"thread:{item}"] = threading.get_ident()
        try:
            results[item] = group.run(item, recorder.write_one)
        except Exception as exc:  # noqa: BLE001 - handed to the test to look at
            results[item] = exc

    first = threading.Thread(target=submit, args=(items[0],))
    first.start()
    wait_until(lambda: group._leading, "the first thread to lead")
    others = [threading.Thread(target=submit, args=(item,)) for item in items[1:]]
    for thread in others:
        thread.start()
    wait_until(lambda: len(group._queue) == len(items) - 1, "the others to queue")
    recorder.release.set()
    for thread in [first, *others]:
        thread.join(WAIT)
        assert not thread.is_alive(), "a thread was left waiting"
    return results


def test_alone_a_write_goes_at_once_in_the_callers_thread():
    recorder = Recorder()
    recorder.release.set()
    group = GroupCommit(recorder.write_many)
    assert group.run("a", recorder.write_one) == "alone:a"
    assert recorder.alone == [("a", threading.get_ident())]
    assert recorder.groups == []
    assert not group._leading and not group._queue


def test_threads_asking_while_one_writes_are_written_together_in_one_group():
    recorder = Recorder()
    group = GroupCommit(recorder.write_many)
    results = submit_from_threads(group, recorder, ["a", "b", "c", "d", "e"])
    assert results["a"] == "alone:a"
    assert recorder.groups == [["b", "c", "d", "e"]]
    assert {results[item] for item in "bcde"} == {f"group:{item}" for item in "bcde"}
    assert [item for item, _thread in recorder.alone] == ["a"]
    assert not group._leading and not group._queue


def test_a_group_is_never_larger_than_max_batch():
    recorder = Recorder()
    group = GroupCommit(recorder.write_many, max_batch=2)
    results = submit_from_threads(group, recorder, ["a", "b", "c", "d", "e"])
    assert recorder.groups == [["b", "c"], ["d", "e"]]
    assert all(results[item] == f"group:{item}" for item in "bcde")


def test_when_a_group_fails_each_item_is_written_alone_in_its_own_thread():
    recorder = Recorder(group_fails=True, failing_item="c")
    group = GroupCommit(recorder.write_many)
    results = submit_from_threads(group, recorder, ["a", "b", "c", "d"])
    assert recorder.groups == [["b", "c", "d"]]
    assert results["b"] == "alone:b" and results["d"] == "alone:d"
    # Each caller gets its own answer: the refusal goes to the one whose item it was.
    assert isinstance(results["c"], ValueError) and str(results["c"]) == "refused c"
    writers = dict(recorder.alone)
    assert sorted(writers) == ["a", "b", "c", "d"]
    assert all(writers[item] == results[f"thread:{item}"] for item in "abcd")
    assert not group._leading and not group._queue


def test_an_error_of_the_first_write_goes_to_its_caller_and_the_queue_goes_on():
    recorder = Recorder(failing_item="a")
    group = GroupCommit(recorder.write_many)
    results = submit_from_threads(group, recorder, ["a", "b", "c"])
    assert isinstance(results["a"], ValueError)
    assert recorder.groups == [["b", "c"]]
    assert results["b"] == "group:b" and results["c"] == "group:c"


@pytest.mark.django_db
def test_inside_a_transaction_the_write_is_the_callers_own():
    recorder = Recorder()
    recorder.release.set()
    group = GroupCommit(recorder.write_many)
    group._leading = True  # another thread is writing a group: this one must not join it
    with transaction.atomic():
        assert group.run("a", recorder.write_one) == "alone:a"
    assert group._queue == []
