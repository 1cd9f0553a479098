"""The official-weights converter on synthetic files of the official layout."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.runner import load_checkpoint

from mmaction.registry import MODELS
from mmaction2_ext.models.localizers.haan import ClipMLP
from mmaction2_ext.utils import DataError
from mmaction2_ext.models.localizers.haan_checkpoint import convert_official_haan
from helpers import warm_python


def _official(folder, D=12, d=8, C=5):
    """What upstream's _save_models writes for the two shipped modules."""
    torch.manual_seed(0)
    enc, fine = ClipMLP(D, d, d, .5), ClipMLP(d, d, C, .5)
    torch.save(enc.state_dict(), osp.join(folder, 'encoder.pkl'))
    torch.save(fine.state_dict(), osp.join(folder, 'fine_level_classifier.pkl'))
    return enc.eval(), fine.eval()


def test_cli_converts_and_model_reproduces_official_logits(tmp_path, repo_root,
                                                           tool_env):
    enc, fine = _official(str(tmp_path))
    out = tmp_path / 'haan.pth'
    run = warm_python.run(
        [sys.executable,
         osp.join(repo_root, 'tools', 'data', 'haan', 'convert_official.py'),
         str(tmp_path), str(out), '--dataset', 'FineGym'],
        env=tool_env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert 'encoded 8, 5 classes' in run.stdout
    model = MODELS.build(dict(type='HAAN', feature_size=12,
                              encoded_feature_size=8,
                              fine_to_coarse=[0, 0, 1, 1, 1],
                              num_visual_concepts=4)).eval()
    load_checkpoint(model, str(out), map_location='cpu')
    x = torch.randn(1, 7, 12)
    expected = fine(enc(x)[1])[1]  # upstream evaluation: S = f(e(x).y).y
    torch.testing.assert_close(model(x, {}, mode='tensor'), expected)


def test_wrong_keys_are_named(tmp_path):
    _official(str(tmp_path))
    torch.save({'weight': torch.zeros(2)}, tmp_path / 'fine_level_classifier.pkl')
    with pytest.raises(DataError, match=r'fine_level_classifier.pkl: expected '
                       r'the keys'):
        convert_official_haan(str(tmp_path), str(tmp_path / 'o.pth'))
    assert not (tmp_path / 'o.pth').exists()


def test_missing_encoder_is_named(tmp_path):
    with pytest.raises(DataError, match=r'official weight file '
                       r'.*encoder.pkl does not exist'):
        convert_official_haan(str(tmp_path), str(tmp_path / 'o.pth'))
