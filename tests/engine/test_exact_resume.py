"""kill -9 between checkpoints, then ``--resume``: every method reaches the
same weights, optimizer and training state (memories kept outside the
state_dict) as an uninterrupted run with the same ``--seed``/``--deterministic``."""
import numpy as np
import pytest

from kill_resume import assert_identical, straight_and_resumed
from mmaction2_ext.datasets.class_vectors import random_class_vectors
from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from mmaction2_ext.datasets.synthetic.ma52 import make_ma52
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.engine.hooks import TRAINING_STATE_KEY
from helpers import LOADERS, data_options


def _skeleton(data, layout, samples):
    ann = write_skeleton_pickle(str(data / f'{layout}.pkl'), layout,
                                num_classes=4, samples_per_class=samples,
                                seed=3)
    return data_options(ann)


def stgcn_demo(data):
    # a persistent data worker: its RNG must not carry over between epochs
    return ('configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py',
            _skeleton(data, 'coco', (8, 2)) + [
                'train_dataloader.num_workers=1',
                'train_dataloader.persistent_workers=True'])


def posec3d_demo(data):
    return ('configs/demo/posec3d_tiny_1xb4-u16-2e_synthetic-coco-keypoint-'
            'devicehm.py', _skeleton(data, 'coco', (4, 1)))


def protogcn(data):
    return ('configs/protogcn/protogcn_tiny_1xb8-16e_synthetic-ntu-3d.py',
            _skeleton(data, 'ntu', (8, 2)))


def miga(data):
    vectors = str(data / 'class_vectors.npy')
    np.save(vectors, random_class_vectors(4, 300, seed=0))
    return ('configs/miga/slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-'
            'keypoint.py', _skeleton(data, 'imigue', (8, 2, 2)) +
            [f'model.cls_head.class_vectors={vectors}'])


def pcan(data):
    make_ma52(str(data), samples_per_class=(1, 1, 1), size=64,
              frames=(20, 24))
    ann = f'{data}/MA-52_openpose_28kp/MA52'
    return ('configs/pcan/pcan_tiny_1xb4-10e_synthetic-ma52.py', [
        *[f'{loader}.dataset.{key}' for loader, split in zip(
            LOADERS, ('train', 'val', 'test')) for key in (
                f'ann_file={ann}_{split}.pkl',
                f'data_prefix.video={data}/raw_videos/')],
        f'test_dataloader.dataset.list_file={data}/annotations/'
        'test_list_videos.txt'])


def haan(data):
    make_haan_dataset(str(data))
    # refresh the pseudo-labels before epochs 0 and 2 (not 1, the resumed one)
    return ('configs/haan/haan_1xb4-10e_synthetic-feat.py', [
        'train_cfg.max_epochs=3',
        *[f'{loader}.dataset.{key}' for loader in LOADERS for key in (
            f'ann_dir={data}', f'features={data}/features.npy')],
        f'model.fine_to_coarse={data}/fine_to_coarse_mappings.json',
        'custom_hooks.0.interval=2'])


CASES = dict(stgcn_demo=stgcn_demo, posec3d_demo=posec3d_demo,
             protogcn=protogcn, miga=miga, pcan=pcan, haan=haan)
#: the methods whose training keeps memories outside the state_dict
WITH_MEMORIES = ('protogcn', 'pcan', 'haan')


@pytest.mark.parametrize('method', list(CASES))
def test_kill_9_then_resume_is_exact(method, tmp_path, tool_env, repo_root):
    data = tmp_path / 'data'
    data.mkdir()
    config, options = CASES[method](data)
    tool_env['OMP_NUM_THREADS'] = '1'
    expected, got = straight_and_resumed(config, options, tmp_path, repo_root,
                                         tool_env)
    for key in ('state_dict', 'optimizer', 'param_schedulers',
                TRAINING_STATE_KEY):
        assert_identical(expected.get(key), got.get(key), key)
    assert bool(expected[TRAINING_STATE_KEY]) == (method in WITH_MEMORIES)
