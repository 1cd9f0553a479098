"""Every skeleton config names its data's keypoint layout (joints and 2-D/3-D),
and that layout agrees with its model: a config cannot forget it."""
import glob
import inspect
import os.path as osp

import pytest
from mmengine.config import Config

from mmaction.registry import DATASETS
from mmaction2_ext.datasets.validation import KEYPOINT_LAYOUTS

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# ProtoGCN's coco_new graph = the 17 COCO joints + 3 added by Kinetics_Transform
GRAPH_DATA_LAYOUT = {'coco_new': 'coco'}
HEATMAP_TRANSFORMS = ('GeneratePoseTarget', 'FastGeneratePoseTarget')


def _configs(repo_root):
    paths = glob.glob(osp.join(repo_root, 'configs', '**', '*.py'),
                      recursive=True)
    return sorted(p for p in paths if '_base_' not in p.split(osp.sep))


def _skeleton_datasets(cfg):
    for loader in LOADERS:
        dataset = (cfg.get(loader) or {}).get('dataset')
        while dataset is not None and 'dataset' in dataset:  # wrappers
            dataset = dataset['dataset']
        cls = DATASETS.get(dataset['type']) if dataset else None
        if cls is not None and 'layout' in inspect.signature(
                cls.__init__).parameters:
            default = inspect.signature(cls.__init__).parameters['layout']
            yield loader, dataset, dataset.get('layout', default.default)


def _heatmap_args(cfg, dataset):
    for step in dataset.get('pipeline', []):
        if step['type'] in HEATMAP_TRANSFORMS:
            return step
    return (cfg.model.get('data_preprocessor') or {}).get('heatmap')


def _model_layout_check(cfg, dataset, layout):
    """None if the model agrees with ``layout``, else what disagrees."""
    joints = KEYPOINT_LAYOUTS[layout][0]
    backbone = cfg.model.backbone
    if 'graph_cfg' in backbone:
        graph = backbone.graph_cfg.layout
        if GRAPH_DATA_LAYOUT.get(graph, graph) != layout:
            return f'graph layout {graph!r}'
        return None
    heatmap = _heatmap_args(cfg, dataset)
    if heatmap is None:  # no pose input (RGB only)
        return None
    channels = backbone.get('pose_pathway', backbone)['in_channels']
    limbs = heatmap.get('skeletons', ())
    expected = joints * heatmap.get('with_kp', True) + \
        len(limbs) * heatmap.get('with_limb', False)
    if channels != expected:
        return f'{channels} heatmap channels, expected {expected}'
    if any(j >= joints for limb in limbs for j in limb):
        return f'limbs name joints beyond {joints}'
    return None


def test_every_skeleton_config_sets_a_layout_matching_its_model(repo_root):
    checked, problems = 0, []
    for path in _configs(repo_root):
        cfg = Config.fromfile(path)
        for loader, dataset, layout in _skeleton_datasets(cfg):
            name = f'{osp.relpath(path, repo_root)} {loader}'
            checked += 1
            if layout not in KEYPOINT_LAYOUTS:
                problems.append(f'{name}: layout {layout!r}')
                continue
            mismatch = _model_layout_check(cfg, dataset, layout)
            if mismatch:
                problems.append(f'{name}: layout {layout!r} vs {mismatch}')
    assert checked >= 100  # ProtoGCN x 36, MiGA, PCAN, demos: 3 loaders each
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('graph,data', [('nturgb+d', 'coco'),
                                        ('coco_new', 'nturgb+d')])
def test_the_check_catches_a_mismatch(graph, data):
    cfg = Config(dict(model=dict(backbone=dict(graph_cfg=dict(layout=graph)))))
    assert _model_layout_check(cfg, {}, data) is not None
