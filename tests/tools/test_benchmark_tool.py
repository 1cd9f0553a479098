"""tools/analysis/benchmark.py runs a tiny config for a couple of iterations
and reports loader and model throughput per phase (no timing is asserted:
only that every field is there and positive)."""
import json
import re
import sys

import pytest
from helpers import warm_python

TINY = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'

TOOL = 'tools/analysis/benchmark.py'
LINE = re.compile(r'^(train|test): data ([\d.]+) samples/s \(batch (\d+), '
                  r'(\d+) workers\); model ([\d.]+) ms/iter', re.M)


def _run(repo_root, env, *args):
    return warm_python.run([sys.executable, TOOL, *map(str, args)],
                           cwd=repo_root, env=env, capture_output=True,
                           text=True, timeout=600)


def test_both_phases_are_reported(tmp_path, skeleton_options, repo_root,
                                  tool_env):
    work = tmp_path / 'work'
    proc = _run(repo_root, tool_env, TINY, '--iters', 2, '--warmup', 1,
                '--work-dir', work, '--cfg-options', *skeleton_options,
                'model.cls_head.num_classes=4')
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {m[0]: m[1:] for m in LINE.findall(proc.stdout)}
    assert set(rows) == {'train', 'test'}, proc.stdout
    # the tiny config's loaders: batch 8, no workers
    for rate, batch, workers, ms in rows.values():
        assert float(rate) > 0 and float(ms) > 0
        assert (batch, workers) == ('8', '0')
    assert re.search(r'^device: cpu', proc.stdout, re.M)
    with open(work / 'benchmark.json') as f:
        saved = json.load(f)
    assert saved['device'] == 'cpu' and saved['iters'] == 2
    assert saved['train']['ms_per_iter'] > 0
    assert f'{saved["test"]["samples_per_s"]:.1f}' == rows['test'][0]


@pytest.mark.parametrize('case', ['unknown phase', 'warmup longer than '
                                  'the loader'])
def test_bad_input_is_one_error_line(case, tmp_path, skeleton_options,
                                     repo_root, tool_env, reliability):
    if case == 'unknown phase':
        args, expected = ['--phase', 'val'], \
            "--phase 'val': expected one of train, test"
    else:  # 12 test samples, batch 8: two batches
        args, expected = ['--phase', 'test', '--warmup', 5], \
            'test_dataloader gave 2 batches: --warmup 5 leaves none to time'
    proc = _run(repo_root, tool_env, TINY, *args, '--work-dir',
                tmp_path / 'w', '--cfg-options', *skeleton_options)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith('error: ') and expected in lines[0]
    reliability.record('CLI', f'benchmark.py: {case}', lines[0])
