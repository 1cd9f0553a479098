"""``tools/test.py --show-dir`` / ``--show``: mmaction2's VisualizationHook
draws RGB frames, which no toolbox model takes: one line pointing to
``tools/infer.py --vis`` instead of a KeyError deep in the hook."""
import os
import sys

import pytest
from helpers import warm_python

CONFIGS = {
    'PCAN': 'configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py',
    'ST-GCN': 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py',
    'ProtoGCN': 'configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py',
    'MiGA': 'configs/miga/'
    'slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py',
    'HAAN': 'configs/haan/haan_1xb4-10e_synthetic-feat.py',
}


@pytest.mark.parametrize('method', sorted(CONFIGS))
def test_show_dir_is_refused_in_one_line(method, repo_root, tmp_path,
                                         reliability):
    ckpt = tmp_path / 'any.pth'
    ckpt.write_bytes(b'')
    proc = warm_python.run(
        [sys.executable, 'tools/test.py', CONFIGS[method], str(ckpt),
         '--show-dir', str(tmp_path / 'vis'), '--work-dir',
         str(tmp_path / 'work')], cwd=repo_root, capture_output=True,
        text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS='1'))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode != 0 and len(lines) == 1, proc.stderr
    assert lines[0].startswith('error: --show/--show-dir:')
    assert f'tools/infer.py {CONFIGS[method]} CHECKPOINT INPUT --vis' \
        in lines[0]
    assert not (tmp_path / 'vis').exists()
    if method == 'PCAN':
        reliability.record('tools', 'tools/test.py --show-dir (PCAN)',
                           lines[0])
