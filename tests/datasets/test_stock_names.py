"""Importing the package leaves mmaction2's own registry names alone; the
toolbox's drop-in classes, under their own names, give stock's outputs on
every input stock accepts and refuse what stock refuses."""
import numpy as np
import pytest
from mmaction.datasets import PoseDataset
from mmaction.datasets.transforms.pose_transforms import (GenSkeFeat,
                                                          JointToBone)
from mmaction.registry import DATASETS, TRANSFORMS

import mmaction2_ext  # noqa: F401
from mmaction2_ext.datasets import CheckedPoseDataset
from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from mmaction2_ext.datasets.transforms import GenSkeFeatExt, JointToBoneExt


@pytest.mark.parametrize('registry,name,stock,ours', [
    (DATASETS, 'PoseDataset', PoseDataset, CheckedPoseDataset),
    (TRANSFORMS, 'JointToBone', JointToBone, JointToBoneExt),
    (TRANSFORMS, 'GenSkeFeat', GenSkeFeat, GenSkeFeatExt)])
def test_stock_names_build_stock_classes(registry, name, stock, ours):
    assert registry.get(name) is stock
    assert registry.get(ours.__name__) is ours and issubclass(ours, stock)


PIPELINE = [dict(type='UniformSampleFrames', clip_len=8, num_clips=2,
                 test_mode=True),
            dict(type='PoseDecode'), dict(type='PreNormalize2D'),
            dict(type='GenSkeFeat', dataset='coco', feats=['j', 'b']),
            dict(type='FormatGCNInput', num_person=2),
            dict(type='PackActionInputs')]


@pytest.mark.parametrize('split', ['train', 'val'])
def test_checked_pose_dataset_gives_stock_samples(split, tmp_path):
    path = write_skeleton_pickle(str(tmp_path / 'coco.pkl'), 'coco',
                                 num_classes=3, samples_per_class=(2, 1),
                                 seed=3)
    kwargs = dict(ann_file=path, split=split, pipeline=PIPELINE,
                  test_mode=True)
    stock, ours = PoseDataset(**kwargs), CheckedPoseDataset(**kwargs)
    assert len(ours) == len(stock) > 0
    for i in range(len(stock)):
        a, b = stock[i], ours[i]
        np.testing.assert_array_equal(b['inputs'].numpy(),
                                      a['inputs'].numpy())
        assert b['data_samples'].gt_label == a['data_samples'].gt_label


@pytest.mark.parametrize('kwargs', [dict(box_thr=0.3), dict(valid_ratio=2.),
                                    dict(split='nope')])
def test_checked_pose_dataset_refuses_what_stock_refuses(kwargs, tmp_path):
    path = write_skeleton_pickle(str(tmp_path / 'coco.pkl'), 'coco',
                                 num_classes=3, samples_per_class=(1, 1),
                                 seed=3)
    cfg = dict(ann_file=path, pipeline=[], split='train')
    cfg.update(kwargs)
    with pytest.raises(Exception) as stock_err:
        PoseDataset(**cfg)
    with pytest.raises(type(stock_err.value)):
        CheckedPoseDataset(**cfg)
