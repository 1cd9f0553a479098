"""benchmarks/machine.py: every table records the load and marks busy runs."""
import os
import sys
import time

import pytest


@pytest.fixture
def machine(repo_root):
    sys.path.insert(0, os.path.join(repo_root, 'benchmarks'))
    import machine
    yield machine
    sys.path.remove(os.path.join(repo_root, 'benchmarks'))


class Clock:
    """Fake wall clock and CPU counters for one Run."""

    def __init__(self, machine, monkeypatch, proc_stat=True):
        self.wall = self.busy = self.own = 0.
        monkeypatch.setattr(machine.time, 'perf_counter', lambda: self.wall)
        monkeypatch.setattr(machine, 'busy_cpu_seconds',
                            lambda: self.busy if proc_stat else None)
        monkeypatch.setattr(machine, 'own_cpu_seconds', lambda: self.own)

    def advance(self, wall, own, others):
        self.wall += wall
        self.own += own
        self.busy += own + others


@pytest.mark.parametrize('own,others,load,marked', [
    (10., 1., 0.5, False),   # idle: background noise only
    (25., 0., 3.2, False),   # the run's own 2 data workers raise the load
    (10., 8., 0.9, True),    # another job took 0.8 of a core
])
def test_other_processes_mark_the_run(machine, monkeypatch, tmp_path, own,
                                      others, load, marked):
    monkeypatch.setattr(os, 'getloadavg', lambda: (load, 1., 1.))
    clock = Clock(machine, monkeypatch)
    run = machine.Run()
    clock.advance(10., own, others)
    footer = run.footer(5)
    assert footer.startswith('**LOADED**') == marked
    assert f'kept {others / 10:.2f} cores busy' in footer
    assert f'before {load:.2f}' in footer
    assert machine.cpu_model() in footer and 'threads' in footer
    out = tmp_path / 'table.md'
    machine.write_table(str(out), 'T', 'cmd', ['| a |', '|---|'], footer)
    assert out.read_text().rstrip().endswith(footer)


@pytest.mark.parametrize('before,after,marked', [
    (0.4, 0.6, False), (1.7, 0.6, True), (0.4, 3.2, True)])
def test_load_average_decides_without_proc_stat(machine, monkeypatch,
                                                before, after, marked):
    monkeypatch.setattr(os, 'cpu_count', lambda: 2)
    Clock(machine, monkeypatch, proc_stat=False)
    monkeypatch.setattr(os, 'getloadavg', lambda: (before, 1., 1.))
    run = machine.Run()
    monkeypatch.setattr(os, 'getloadavg', lambda: (after, 1., 1.))
    footer = run.footer(5)
    assert footer.startswith('**LOADED**') == marked
    assert f'before {before:.2f}' in footer and f'after {after:.2f}' in footer


def test_real_counters_see_this_process(machine):
    """On this machine (/proc/stat): our own busy loop is not 'others'."""
    run = machine.Run()
    end = time.perf_counter() + 0.3
    while time.perf_counter() < end:
        pass
    assert machine.own_cpu_seconds() > 0
    others = run.others_cpus()
    assert others is not None and others < 1.5


def test_interleaved_alternates_and_takes_medians(machine):
    calls = []
    medians = machine.interleaved(
        [lambda x: calls.append(('a', x)), lambda x: calls.append(('b', x))],
        lambda: len(calls), 3, min_seconds=0)
    # one warm-up each, then a, b, a, b, ...: each sees a fresh input
    assert [c[0] for c in calls] == ['a', 'b'] * 4
    assert [c[1] for c in calls] == list(range(8))
    assert len(medians) == 2 and all(m >= 0 for m in medians)


def test_short_calls_are_timed_in_groups(machine):
    """A 10 ms call with a 50 ms floor is timed 5 calls at a time, each on
    its own input, and the result is still seconds per call."""
    seen = []

    def slow(x):
        seen.append(x)
        time.sleep(0.01)

    inputs = iter(range(100))
    (per_call,) = machine.interleaved([slow], lambda: next(inputs), 2,
                                      min_seconds=0.05)
    group = (len(seen) - 1) // 2  # warm-up, then 2 groups of ~5
    assert 3 <= group <= 5 and seen == list(range(1 + 2 * group))
    assert 0.009 < per_call < 0.03
