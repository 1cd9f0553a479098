"""The stack repairs of mmaction2_ext.compat (stack.md A, C, D)."""
import numpy as np
import pytest
from mmaction.datasets.transforms import pose_transforms as stock
from mmaction.registry import TRANSFORMS


def test_mmaction_models_import_and_drn_placeholder():
    import mmaction.models  # noqa: F401  (fails on the bare 1.2.0 wheel)
    from mmaction.models.localizers import DRN
    with pytest.raises(ImportError, match='2714'):
        DRN()


# Stock mmaction 1.2.0 code that calls names numpy 2 removed, run in a fresh
# interpreter after SETUP; prints its outputs (pickled, hex).
STOCK_NUMPY2_CALLS = """
import copy, pickle, sys
import numpy as np
{setup}
from mmaction.datasets.transforms import MMCompact, PoseCompact
from mmaction.evaluation.functional import average_recall_at_avg_proposals
from mmaction.evaluation.metrics import RetrievalRecall
from mmaction.utils import frame_extract

rng = np.random.default_rng(0)
kp = rng.uniform(100, 700, size=(2, 6, 17, 2))
kp[rng.random(kp.shape[:3]) < .2] = 0
pose = dict(img_shape=(480, 854), keypoint=kp.astype(np.float32))
imgs = [rng.integers(0, 255, (480, 854, 3), dtype=np.uint8) for _ in '12']
out = []
for kwargs in [dict(), dict(hw_ratio=None), dict(allow_imgpad=False),
               dict(padding=0.5, hw_ratio=(0.8, 1.5)), dict(threshold=1e4)]:
    out.append(PoseCompact(**kwargs)(copy.deepcopy(pose)))
    out.append(MMCompact(**kwargs)(copy.deepcopy(dict(pose, imgs=imgs))))
gt = {{f'v{{i}}': np.sort(rng.uniform(0, 50, (2, 2)), 1) for i in range(3)}}
props = {{v: np.concatenate([np.sort(rng.uniform(0, 50, (9, 2)), 1),
                             rng.random((9, 1))], 1) for v in gt}}
out.append(average_recall_at_avg_proposals(gt, props, 27, 9))
pred, target = rng.random((6, 5)), rng.integers(0, 5, 6)
out.append([float(r) for r in RetrievalRecall.calculate(pred, target, (1, 3))])
out.append(frame_extract(sys.argv[1], short_side=24, out_dir=sys.argv[2])[1])
print(pickle.dumps(out).hex())
"""
# the plainest repair, for the reference: numpy itself gets the names back
RESTORE_NUMPY_NAMES = ("np.Inf = np.inf; np.trapz = np.trapezoid; "
                       "np.in1d = lambda a, b: np.isin(np.ravel(a), b)")


def _run_stock_calls(setup, env, tmp_path, tag):
    import pickle
    import subprocess
    import sys

    import cv2
    video = str(tmp_path / 'clip.avi')
    if not (tmp_path / 'clip.avi').exists():
        writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                                 (40, 30))
        for i in range(3):
            writer.write(np.full((30, 40, 3), 60 * i, np.uint8))
        writer.release()
    proc = subprocess.run(
        [sys.executable, '-c', STOCK_NUMPY2_CALLS.format(setup=setup), video,
         str(tmp_path / tag)], env=env, capture_output=True, text=True,
        timeout=300)
    return proc, (pickle.loads(bytes.fromhex(proc.stdout.strip()))
                  if proc.returncode == 0 else None)


def _assert_same(got, expected, where='out'):
    if isinstance(expected, dict):
        assert set(got) == set(expected), where
        for key in expected:
            _assert_same(got[key], expected[key], f'{where}[{key!r}]')
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), where
        for i, (a, b) in enumerate(zip(got, expected)):
            _assert_same(a, b, f'{where}[{i}]')
    else:
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected),
                                      err_msg=where)


def test_stock_classes_work_on_numpy2_after_import(tool_env, tmp_path,
                                                   reliability):
    """``import mmaction2_ext`` repairs the stock PoseCompact, MMCompact,
    AR@AN, RetrievalRecall and frame_extract themselves (scripts import them
    straight from mmaction): outputs equal stock's with numpy's removed
    names given back to numpy itself; numpy is left untouched."""
    broken, _ = _run_stock_calls('', tool_env, tmp_path, 'bare')
    assert broken.returncode != 0
    error = broken.stderr.strip().splitlines()[-1]
    assert 'np.Inf' in error
    _, expected = _run_stock_calls(RESTORE_NUMPY_NAMES, tool_env, tmp_path,
                                   'restored')
    repaired, got = _run_stock_calls(
        'import mmaction2_ext\nassert not hasattr(np, "Inf")', tool_env,
        tmp_path, 'ours')
    assert repaired.returncode == 0, repaired.stderr[-2000:]
    assert got[0]['img_shape'] != (480, 854)  # the box was computed
    _assert_same(got, expected)
    reliability.record('drop-in', 'stock PoseCompact imported from mmaction, '
                       'numpy 2, without mmaction2_ext', error)
    reliability.record('drop-in', 'stock PoseCompact imported from mmaction, '
                       'numpy 2, after import mmaction2_ext',
                       f"img_shape {got[0]['img_shape']}, keypoints and "
                       "crop_quadruple equal to stock's on numpy 1 names")


def test_registry_serves_the_stock_compact_transforms():
    """One repair: the stock classes themselves, no registry overrides."""
    assert TRANSFORMS.get('PoseCompact') is stock.PoseCompact
    assert TRANSFORMS.get('MMCompact') is stock.MMCompact


FAKE_TRANSFORMERS_5 = {
    'transformers/__init__.py': '__version__ = "5.0.0"\n',
    # 5.x dropped these re-exports that mmaction2's VindLU imports
    'transformers/modeling_utils.py': 'PreTrainedModel = object\n',
    'transformers-5.0.0.dist-info/METADATA':
        'Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n',
}


def test_mmaction_models_import_beside_transformers_5(tmp_path, repo_root):
    import subprocess
    import sys
    for name, text in FAKE_TRANSFORMERS_5.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    env = {'PYTHONPATH': f'{tmp_path}:{repo_root}', 'PATH': '/usr/bin:/bin'}

    def run(code):
        return subprocess.run([sys.executable, '-c', code], env=env,
                              capture_output=True, text=True, timeout=300)

    # stock mmaction2 (DRN repair only) fails to import its models beside it
    broken = run('import importlib.util as u\n'
                 f'spec = u.spec_from_file_location("drn", "{repo_root}/'
                 'mmaction2_ext/compat/drn.py")\n'
                 'drn = u.module_from_spec(spec); spec.loader.exec_module(drn)\n'
                 'drn.install_drn_stub()\n'
                 'import mmaction.models\n')
    assert broken.returncode != 0 and 'models/multimodal/vindlu' in broken.stderr
    repaired = run(
        'import mmaction2_ext, mmaction.models\n'
        'from mmaction.registry import MODELS\n'
        'try:\n    MODELS.build(dict(type="VindLUVQA"))\n'
        'except ImportError as e:\n    print("placeholder:", e)\n')
    assert repaired.returncode == 0, repaired.stderr[-2000:]
    assert 'placeholder:' in repaired.stdout and 'multi-modal' in repaired.stdout


@pytest.fixture
def restore_determinism(monkeypatch):
    """Put PyTorch's deterministic mode and the cuBLAS variable back after a
    test that lets a runner set them."""
    import torch
    monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG', raising=False)
    mode = (torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled())
    benchmark = torch.backends.cudnn.benchmark
    yield
    torch.use_deterministic_algorithms(mode[0], warn_only=mode[1])
    torch.backends.cudnn.benchmark = benchmark


@pytest.mark.parametrize('deterministic', [True, False])
def test_safe_runner_seeding_is_deterministic_where_possible(
        deterministic, restore_determinism):
    """SafeRunner's seeding (at build and again at resume) leaves strict
    mode off: on CUDA strict mode stops the first backward of every 3D CNN
    (max_pool3d has no deterministic kernel there)."""
    import os

    import torch

    from mmaction2_ext.engine import SafeRunner
    torch.use_deterministic_algorithms(False)
    runner = object.__new__(SafeRunner)  # only its seeding is used
    runner.set_randomness(seed=3, deterministic=deterministic)
    assert runner.seed == 3
    assert torch.are_deterministic_algorithms_enabled() == deterministic
    assert torch.is_deterministic_algorithms_warn_only_enabled() == \
        deterministic
    # PyTorch's precondition for deterministic cuBLAS matmuls
    assert (os.environ.get('CUBLAS_WORKSPACE_CONFIG') == ':4096:8') == \
        deterministic
