"""What every config must do (issue 13): build its model with no data file
present (run from an empty directory where only configs/ is reachable) and
keep only the best and the latest checkpoint by default."""
import glob
import os
import os.path as osp

import pytest
from mmengine.config import Config

from mmaction.registry import MODELS
from mmaction2_ext.models.localizers.haan import load_fine_to_coarse

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


@pytest.fixture
def empty_checkout(tmp_path, monkeypatch):
    (tmp_path / 'configs').symlink_to(osp.join(REPO, 'configs'))
    (tmp_path / 'data').mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize('config', CONFIGS)
def test_model_builds_without_data(config, empty_checkout):
    cfg = Config.fromfile(config)
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    assert os.listdir(empty_checkout / 'data') == []


@pytest.mark.parametrize('name, fine, coarse', [('finegym', 99, 14),
                                                ('fineaction', 106, 14)])
def test_shipped_hierarchies_are_the_official_ones(name, fine, coarse,
                                                   upstream_dir):
    official = osp.join(upstream_dir, 'haan', 'dataset',
                        {'finegym': 'FineGym'}.get(name, 'FineAction'),
                        'fine_to_coarse_mappings.json')
    shipped = load_fine_to_coarse(name)
    assert shipped == load_fine_to_coarse(official)
    assert (len(shipped), max(shipped) + 1) == (fine, coarse)


def test_missing_hierarchy_file(tmp_path, reliability):
    path = str(tmp_path / 'fine_to_coarse_mappings.json')
    with pytest.raises(FileNotFoundError) as err:
        load_fine_to_coarse(path)
    assert str(err.value) == f'class hierarchy {path} does not exist'
    reliability.record('config', 'HAAN fine_to_coarse file missing',
                       f'error: {err.value}')


@pytest.mark.parametrize('config', CONFIGS)
def test_keeps_best_and_latest_checkpoint(config):
    cfg = Config.fromfile(osp.join(REPO, config))
    if 'train_cfg' not in cfg:
        return  # a model only (the HAAN feature extractor's I3D)
    hook = cfg.default_hooks.checkpoint
    assert hook.get('max_keep_ckpts', -1) == 1, hook
    assert hook.get('save_best') is not None, hook
