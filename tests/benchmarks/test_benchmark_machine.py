"""benchmarks/machine.py: every table records the load and marks busy runs."""
import io
import os
from types import SimpleNamespace

import pytest


@pytest.fixture
def machine(import_benchmark):
    return import_benchmark('machine')


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


PROC_STAT = ('cpu  {} 20 30 {} {} 5 5 10 0 0\n'
             'cpu0 1 2 3 4 5 6 7 8 0 0\n')


def _fake_proc_stat(machine, monkeypatch, readings):
    """``open('/proc/stat')`` in machine.py reads the next of ``readings``
    ((user, idle, iowait) ticks); 100 ticks a second."""
    readings = iter(readings)

    def fake_open(path, *args, **kwargs):
        assert path == '/proc/stat'
        return io.StringIO(PROC_STAT.format(*next(readings)))

    monkeypatch.setattr(machine, 'open', fake_open, raising=False)
    monkeypatch.setattr(machine.os, 'sysconf', lambda name: 100)


def test_busy_seconds_count_every_state_but_idle_and_iowait(
        machine, monkeypatch):
    # user + nice + system + irq + softirq + steal; guest is inside user
    _fake_proc_stat(machine, monkeypatch, [(100, 1000, 50), (100, 9000000, 7000000)])
    assert machine.busy_cpu_seconds() == pytest.approx(1.7)
    assert machine.busy_cpu_seconds() == pytest.approx(1.7)  # idle grew only


def test_own_seconds_add_this_process_and_its_children(machine, monkeypatch):
    usage = {machine.resource.RUSAGE_SELF: (1.5, 0.25),
             machine.resource.RUSAGE_CHILDREN: (4., 0.5)}
    monkeypatch.setattr(
        machine.resource, 'getrusage', lambda who: SimpleNamespace(
            ru_utime=usage[who][0], ru_stime=usage[who][1]))
    assert machine.own_cpu_seconds() == pytest.approx(6.25)


@pytest.mark.parametrize('user_ticks,own,others', [
    (400, 2.5, 0.15),   # 4 s busy, 2.5 s ours: 1.5 s of others in 10 s
    (300, 3.0, 0.),     # all of it ours
    (300, 3.5, 0.),     # children reaped after the reading: never negative
])
def test_others_are_busy_time_minus_our_own_per_second(
        machine, monkeypatch, user_ticks, own, others):
    """Controlled /proc/stat and rusage readings (no dependence on what
    else runs on this machine)."""
    _fake_proc_stat(machine, monkeypatch,
                    [(100, 1000, 50), (100 + user_ticks, 5000, 60)])
    clock = iter([0., 10.])
    monkeypatch.setattr(machine.time, 'perf_counter', lambda: next(clock))
    spent = iter([1., 1. + own])
    monkeypatch.setattr(machine, 'own_cpu_seconds', lambda: next(spent))
    run = machine.Run()
    assert run.others_cpus() == pytest.approx(others)


def test_no_proc_stat_gives_no_others_figure(machine, monkeypatch):
    def missing(path, *args, **kwargs):
        raise FileNotFoundError(path)

    monkeypatch.setattr(machine, 'open', missing, raising=False)
    assert machine.busy_cpu_seconds() is None
    assert machine.Run().others_cpus() is None


def test_interleaved_alternates_and_takes_medians(machine):
    calls = []
    medians = machine.interleaved(
        [lambda x: calls.append(('a', x)), lambda x: calls.append(('b', x))],
        lambda: len(calls), 3, min_seconds=0)
    # one warm-up each, then a, b, a, b, ...: each sees a fresh input
    assert [c[0] for c in calls] == ['a', 'b'] * 4
    assert [c[1] for c in calls] == list(range(8))
    assert len(medians) == 2 and all(m >= 0 for m in medians)


def test_short_calls_are_timed_in_groups(machine, monkeypatch):
    """A 10 ms call with a 50 ms floor is timed 5 calls at a time, each on
    its own input, and the result is still seconds per call (a fake clock
    that each call advances by 10 ms: nothing here depends on the
    machine's speed)."""
    now = [0.]
    monkeypatch.setattr(machine.time, 'perf_counter', lambda: now[0])
    seen = []

    def slow(x):
        seen.append(x)
        now[0] += 0.01

    inputs = iter(range(100))
    (per_call,) = machine.interleaved([slow], lambda: next(inputs), 2,
                                      min_seconds=0.05)
    assert seen == list(range(1 + 2 * 5))  # warm-up, then 2 groups of 5
    assert per_call == pytest.approx(0.01)
