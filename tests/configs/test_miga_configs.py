"""configs/miga: both models build with the official state_dict, the pipelines
follow the spec (§2.3) and the 22-joint layout is spelled the same everywhere."""
import json
import os.path as osp

import numpy as np
import pytest
from mmaction.registry import DATASETS, MODELS
from mmengine import Config
from mmengine.registry import init_default_scope

from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.datasets.layouts import IMIGUE

CFG = 'configs/miga/slowonly_r50-emb20_2xb16-u48-100e_imigue-{}.py'
MODES = ('keypoint', 'limb')


def _cfg(repo_root, mode):
    init_default_scope('mmaction')
    return Config.fromfile(osp.join(repo_root, CFG.format(mode)))


def _target(pipeline):
    return next(t for t in pipeline if t['type'] == 'FastGeneratePoseTarget')


@pytest.mark.parametrize('mode', MODES)
def test_model_state_dict_is_official(repo_root, upstream_dir, mode):
    shared = osp.dirname(osp.dirname(upstream_dir))
    with open(osp.join(shared, 'specs', 'keys',
                       'miga_model_keys_joint.json')) as f:
        official = json.load(f)
    model = MODELS.build(_cfg(repo_root, mode).model)
    state = {k: list(v.shape) for k, v in model.state_dict().items()}
    assert list(state) == list(official)
    assert state == official
    assert sum(p.numel() for p in model.parameters()) == 2172236


@pytest.mark.parametrize('mode', MODES)
def test_layout_lists_match_the_layout_module(repo_root, mode):
    cfg = _cfg(repo_root, mode)
    flip = next(t for t in cfg.train_pipeline if t['type'] == 'Flip')
    assert tuple(flip['left_kp']) == IMIGUE['left_kp']
    assert tuple(flip['right_kp']) == IMIGUE['right_kp']
    train_t, test_t = _target(cfg.train_pipeline), _target(cfg.test_pipeline)
    assert test_t['double'] and not train_t.get('double', False)
    assert tuple(test_t['left_kp']) == IMIGUE['left_kp']
    assert tuple(test_t['right_kp']) == IMIGUE['right_kp']
    if mode == 'limb':
        assert not train_t['with_kp'] and train_t['with_limb']
        assert [tuple(s) for s in train_t['skeletons']] == list(
            IMIGUE['skeletons'])
        assert tuple(test_t['left_limb']) == IMIGUE['left_limb']
        assert tuple(test_t['right_limb']) == IMIGUE['right_limb']
    else:
        assert train_t['with_kp'] and not train_t['with_limb']
    assert len(IMIGUE['skeletons']) == IMIGUE['num_joints'] == \
        cfg.model.backbone.in_channels


@pytest.fixture(scope='module')
def imigue_pickle(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('imigue') / 'imigue.pkl')
    return write_skeleton_pickle(path, 'imigue', num_classes=2,
                                 samples_per_class=(1, 1, 1), seed=3)


def _first_item(cfg, loader, ann_file, split):
    ds_cfg = dict(cfg[loader].dataset, ann_file=ann_file, split=split)
    return DATASETS.build(ds_cfg)[0]


@pytest.mark.parametrize('mode', MODES)
def test_pipelines_give_spec_shapes_and_flipped_test_views(
        repo_root, imigue_pickle, mode):
    cfg = _cfg(repo_root, mode)
    np.random.seed(0)
    train = _first_item(cfg, 'train_dataloader', imigue_pickle, 'train')
    val = _first_item(cfg, 'val_dataloader', imigue_pickle, 'val')
    test = _first_item(cfg, 'test_dataloader', imigue_pickle, 'test')
    assert tuple(train['inputs'].shape) == (1, 22, 48, 56, 56)
    assert tuple(val['inputs'].shape) == (1, 22, 48, 64, 64)
    imgs = test['inputs'].numpy()
    assert imgs.shape == (20, 22, 48, 64, 64)  # 10 clips + 10 flipped
    assert imgs[:10].max() > 0.5
    # second half = first half mirrored along W with left/right channels
    # swapped by the configured lists
    t = _target(cfg.test_pipeline)
    left, right = ((t['left_kp'], t['right_kp']) if mode == 'keypoint'
                   else (t['left_limb'], t['right_limb']))
    order = np.arange(22)
    order[left], order[right] = right, left
    np.testing.assert_allclose(imgs[10:], imgs[:10][:, order, ..., ::-1],
                               atol=1e-6)
