"""Every skeleton config names its data's keypoint layout (joints and 2-D/3-D),
and that layout agrees with its model: a config cannot forget it."""
import glob
import inspect
import os.path as osp

import pytest
from mmengine.config import Config

from mmaction.registry import DATASETS, MODELS
from mmaction2_ext.apis.model_input import model_input
from mmaction2_ext.datasets.layouts import KEYPOINT_LAYOUTS
from mmaction2_ext.utils import DataError

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


RGBPOSE_DECODERS = ('MMDecode', 'MMDecodeOnce')


def _declared_vs_config(cfg, spec):
    """None if ``model_input`` (``spec``) agrees with what the config
    builds, else what disagrees (transform names are read here, in the
    test, never by inference)."""
    model = cfg.model
    steps = [t['type'] for t in cfg.get('test_pipeline', [])]
    if model.type == 'HAAN':
        kind = 'features'
    elif set(RGBPOSE_DECODERS) & set(steps):
        kind = 'rgbpose'
    elif model.type == 'RecognizerGCN':
        kind = 'keypoints'
    else:
        kind = 'heatmaps'
    if spec.kind != kind:
        return f'kind {spec.kind!r}, the config builds {kind!r}'
    if kind == 'features':
        return None
    for _, dataset, layout in _skeleton_datasets(cfg):
        if layout != spec.layout:
            return f'layout {spec.layout!r}, its dataset reads {layout!r}'
    if kind == 'keypoints':
        backbone = MODELS.get(model.backbone.type)
        channels = model.backbone.get('in_channels', inspect.signature(
            backbone).parameters['in_channels'].default)
        if channels != spec.coords + spec.score:
            return (f'{spec.coords} coordinates + score={spec.score}, the '
                    f'backbone takes {channels} channels')
    else:
        heatmap = [t for t in cfg.test_pipeline if t['type'] in
                   HEATMAP_TRANSFORMS] or \
            [model.get('data_preprocessor', {}).get('heatmap', {})]
        if heatmap[0].get('use_score', True) != spec.score:
            return f'score={spec.score}, heatmaps use_score differs'
    return None


def test_every_config_declares_what_its_model_takes(repo_root):
    """``model_input`` (what inference reads) agrees with the model and the
    test pipeline of every config that has one to test."""
    checked, problems = 0, []
    for path in _configs(repo_root):
        cfg = Config.fromfile(path)
        name = osp.relpath(path, repo_root)
        # video only, no inference route: the RGB-only recognizer, the I3D
        # feature extractor of tools/data/extract_features.py
        if 'rgb-only' in name or name.endswith('-rgb-feature.py'):
            assert 'model_input' not in cfg, name
            continue
        try:
            spec = model_input(cfg, name)
        except DataError as err:
            problems.append(str(err))
            continue
        checked += 1
        mismatch = _declared_vs_config(cfg, spec)
        if mismatch:
            problems.append(f'{name}: model_input {mismatch}')
    assert checked >= 45  # 36 ProtoGCN + MiGA, PCAN, HAAN, demos
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('change,expected', [
    (dict(kind='heatmaps'), "kind 'heatmaps'"),
    (dict(layout='ma52'), "layout 'ma52'"),
    (dict(score=False), 'backbone takes 3 channels')])
def test_the_declaration_check_catches_a_mismatch(repo_root, change,
                                                  expected):
    cfg = Config.fromfile(osp.join(
        repo_root, 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'))
    assert _declared_vs_config(cfg, model_input(cfg)) is None
    cfg.model_input = dict(cfg.model_input, **change)
    assert expected in _declared_vs_config(cfg, model_input(cfg))
