"""benchmarks/machine.py: every table records the load and marks busy runs."""
import os
import sys

import pytest


@pytest.fixture
def machine(repo_root):
    sys.path.insert(0, os.path.join(repo_root, 'benchmarks'))
    import machine
    yield machine
    sys.path.remove(os.path.join(repo_root, 'benchmarks'))


@pytest.mark.parametrize('before,after,marked', [
    (0.4, 0.6, False), (1.7, 0.6, True), (0.4, 3.2, True)])
def test_loaded_runs_are_marked(machine, monkeypatch, tmp_path, before,
                                after, marked):
    monkeypatch.setattr(os, 'cpu_count', lambda: 2)
    monkeypatch.setattr(os, 'getloadavg', lambda: (before, 1., 1.))
    run = machine.Run()
    monkeypatch.setattr(os, 'getloadavg', lambda: (after, 1., 1.))
    footer = run.footer(5)
    assert footer.startswith('**LOADED**') == marked
    assert f'before {before:.2f}' in footer and f'after {after:.2f}' in footer
    assert machine.cpu_model() in footer and 'threads' in footer
    out = tmp_path / 'table.md'
    machine.write_table(str(out), 'T', 'cmd', ['| a |', '|---|'], footer)
    assert out.read_text().rstrip().endswith(footer)


def test_interleaved_alternates_and_takes_medians(machine):
    calls = []
    medians = machine.interleaved(
        [lambda x: calls.append(('a', x)), lambda x: calls.append(('b', x))],
        lambda: len(calls), 3)
    # one warm-up each, then a, b, a, b, ...: each sees a fresh input
    assert [c[0] for c in calls] == ['a', 'b'] * 4
    assert [c[1] for c in calls] == list(range(8))
    assert len(medians) == 2 and all(m >= 0 for m in medians)
