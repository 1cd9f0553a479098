"""docs/model_zoo.md stays true: every main config is listed, every test it
names exists, and the device-heatmap configs it says share their parent's
checkpoint do have the parent's keys and shapes."""
import glob
import os.path as osp
import re

import pytest

from mmaction2_ext.apis import init_model

METHODS = ('pcan', 'protogcn', 'miga', 'haan')


def _doc(repo_root):
    with open(osp.join(repo_root, 'docs', 'model_zoo.md')) as f:
        return f.read()


def _main_configs(repo_root):
    for method in METHODS:
        for path in glob.glob(osp.join(repo_root, 'configs', method, '**',
                                       '*.py'), recursive=True):
            rel = osp.relpath(path, repo_root)
            if '_base_' in rel or 'synthetic' in rel:
                continue
            yield rel


def test_every_main_config_is_listed(repo_root):
    doc = _doc(repo_root)
    configs = list(_main_configs(repo_root))
    assert len(configs) > 40
    for config in configs:
        folder = osp.dirname(config)
        assert f'`{config}`' in doc or f'`{folder}/*.py`' in doc, config


def test_every_named_test_exists(repo_root):
    named = set(re.findall(r'(tests/[\w/]+\.py)::(\w+)', _doc(repo_root)))
    assert len(named) >= 8
    for path, name in named:
        with open(osp.join(repo_root, path)) as f:
            assert re.search(rf'^def {name}\(', f.read(), re.M), \
                f'{path}::{name}'


@pytest.mark.parametrize('parent', [
    'configs/pcan/pcan_rgbpose_ma52.py',
    'configs/miga/slowonly_r50-emb20_2xb16-u48-100e_imigue-keypoint.py'])
def test_devicehm_configs_have_their_parents_keys(parent, repo_root):
    child = parent.replace('.py', '-devicehm.py')
    shapes = [{k: tuple(v.shape) for k, v in
               init_model(osp.join(repo_root, c)).state_dict().items()}
              for c in (parent, child)]
    assert shapes[0] == shapes[1]
