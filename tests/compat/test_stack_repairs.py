"""The stack repairs of mmaction2_ext.compat (stack.md A, C)."""
import copy

import numpy as np
import pytest
from mmaction.datasets.transforms import pose_transforms as stock
from mmaction.registry import TRANSFORMS

from mmaction2_ext.compat.transforms import MMCompactNp2, PoseCompactNp2


def test_mmaction_models_import_and_drn_placeholder():
    import mmaction.models  # noqa: F401  (fails on the bare 1.2.0 wheel)
    from mmaction.models.localizers import DRN
    with pytest.raises(ImportError, match='2714'):
        DRN()


def test_registry_serves_numpy2_safe_transforms():
    assert TRANSFORMS.get('PoseCompact') is PoseCompactNp2
    assert TRANSFORMS.get('MMCompact') is MMCompactNp2


def _pose_results(rng, num_person=2, frames=6, joints=17, zero_frac=0.2):
    kp = rng.uniform(100, 700, size=(num_person, frames, joints, 2))
    kp[rng.random(kp.shape[:3]) < zero_frac] = 0
    kp = kp.astype(np.float32)
    return dict(img_shape=(480, 854), keypoint=kp,
                imgs=[rng.integers(0, 255, (480, 854, 3), dtype=np.uint8)
                      for _ in range(2)])


KWARGS = [dict(), dict(hw_ratio=None), dict(allow_imgpad=False),
          dict(padding=0.5, hw_ratio=(0.8, 1.5)), dict(threshold=10000)]


@pytest.mark.parametrize('kwargs', KWARGS)
@pytest.mark.parametrize('ours, theirs', [(PoseCompactNp2, stock.PoseCompact),
                                          (MMCompactNp2, stock.MMCompact)])
def test_compact_transforms_match_stock(monkeypatch, ours, theirs, kwargs):
    rng = np.random.default_rng(0)
    results = _pose_results(rng)
    if ours is PoseCompactNp2:
        results.pop('imgs')
    # Stock code needs the alias numpy 2 removed; give it back to it alone.
    monkeypatch.setattr(stock.np, 'Inf', np.inf, raising=False)
    expected = theirs(**kwargs)(copy.deepcopy(results))
    monkeypatch.delattr(stock.np, 'Inf')
    got = ours(**kwargs)(copy.deepcopy(results))
    assert set(got) == set(expected)
    for key, value in expected.items():
        if key == 'imgs':
            assert all(np.array_equal(a, b) for a, b in zip(got[key], value))
        else:
            np.testing.assert_array_equal(np.asarray(got[key]),
                                          np.asarray(value), err_msg=key)


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
