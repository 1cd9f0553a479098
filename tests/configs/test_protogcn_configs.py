"""Every ProtoGCN config builds its model and pipelines; pipelines run on a
synthetic sample and give the backbone's input layout."""
import copy
import glob
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from mmaction2_ext.datasets.synthetic.skeleton import make_skeleton_dataset

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs',
                      'protogcn')
CONFIGS = sorted(c for c in glob.glob(osp.join(CONFIG_DIR, '*', '*.py'))
                 if osp.basename(osp.dirname(c)) != '_base_')
SPEC = {  # stream -> (prototypes, CSC weight)
    'j': (400, 0.2), 'jm': (400, 0.2), 'b': (100, 0.3), 'bm': (100, 0.3),
    'k': (100, 0.1), 'km': (100, 0.1)}
FLIP = {'ntu60_xsub': {'b', 'bm', 'k', 'km'}, 'ntu60_xview': set(),
        'ntu120_xsub': {'j', 'jm', 'b', 'bm'},
        'ntu120_xset': {'b', 'bm', 'k', 'km'},
        'k400': set(SPEC), 'finegym': set(SPEC)}
CLASSES = {'ntu60_xsub': 60, 'ntu60_xview': 60, 'ntu120_xsub': 120,
           'ntu120_xset': 120, 'k400': 400, 'finegym': 99}


def sample(layout):
    data = make_skeleton_dataset(layout, num_classes=2,
                                 samples_per_class=(1, 1), seed=0)
    anno = data['annotations'][0]
    anno.update(start_index=0, modality='Pose')
    return anno


def test_all_36_configs_exist():
    assert len(CONFIGS) == 36
    assert {osp.basename(osp.dirname(c)) for c in CONFIGS} == set(FLIP)


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(c, CONFIG_DIR) for c in CONFIGS])
def test_config_builds(path):
    dataset = osp.basename(osp.dirname(path))
    stream = osp.splitext(osp.basename(path))[0]
    cfg = Config.fromfile(path)
    init_default_scope('mmaction')
    head = cfg.model.cls_head
    assert (cfg.model.backbone.num_prototype, head.weight) == SPEC[stream]
    assert head.num_classes == CLASSES[dataset]
    assert cfg.work_dir.endswith(f'{dataset}/{stream}')
    model = MODELS.build(cfg.model)
    assert model.backbone.prn.query_matrix.out_features == SPEC[stream][0]
    assert cfg.train_cfg.max_epochs == 150
    assert cfg.optim_wrapper.optimizer.nesterov
    lr = cfg.optim_wrapper.optimizer.lr
    batch = cfg.train_dataloader.batch_size
    assert lr == pytest.approx(0.1 * batch / 64)

    pipes = {name: cfg[f'{name}_dataloader'].dataset.pipeline
             for name in ('train', 'val', 'test')}
    types = [t.type for t in pipes['train']]
    assert ('Spatial_Flip' in types or 'Flip' in types) == (
        stream in FLIP[dataset])
    for name, pipeline in pipes.items():
        feats = [t for t in pipeline if t.type == 'GenSkeFeatExt'][0].feats
        assert feats == [stream]
        pipeline = Compose(copy.deepcopy(pipeline))
        if dataset == 'k400':
            continue  # compressed K400 records: built only
        np.random.seed(0)
        res = pipeline(sample('coco' if dataset == 'finegym' else 'ntu'))
        clips = 10 if name == 'test' else 1
        V = 20 if dataset == 'finegym' else 25
        assert tuple(res['inputs'].shape) == (clips, 2, 100, V, 3)
