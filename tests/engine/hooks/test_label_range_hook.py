"""LabelRangeHook: labels the model head cannot score stop a run before its
first step, naming the annotation file, the sample and the label."""
import os.path as osp
import re

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import BaseDataset

from mmaction2_ext.apis import build_runner
from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from mmaction2_ext.engine.hooks.label_range import check_labels
from mmaction2_ext.engine.safety import SAFETY_HOOKS
from mmaction2_ext.utils import DataError

HAAN_CONFIG = 'configs/haan/haan_1xb4-10e_synthetic-feat.py'


def _haan_config(repo_root, data, model_f2c, work_dir):
    cfg = Config.fromfile(osp.join(repo_root, HAAN_CONFIG))
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        loader.dataset.update(ann_dir=data['ann_dir'],
                              features=data['features'],
                              num_training_videos=data['num_train'])
    cfg.model.fine_to_coarse = model_f2c
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    return cfg


def test_hook_is_a_safety_hook():
    assert 'LabelRangeHook' in SAFETY_HOOKS


@pytest.mark.parametrize('stage', ['train', 'test'])
def test_haan_fine_label_beyond_the_model_stops_the_run(
        stage, tmp_path, repo_root, reliability):
    data = make_haan_dataset(str(tmp_path / 'data'), num_fine_classes=6,
                             num_train=12, num_test=6, seed=0)
    fewer = make_haan_dataset(str(tmp_path / 'model'), num_fine_classes=4,
                              num_train=4, num_test=2, seed=0)
    runner = build_runner(_haan_config(repo_root, data,
                                       fewer['fine_to_coarse'],
                                       str(tmp_path / 'work')))
    with pytest.raises(DataError) as err:
        getattr(runner, stage)()
    message = str(err.value)
    labels = osp.join(data['ann_dir'], 'labels.npy')
    assert message.startswith(f'{labels} [sample ')
    assert "field 'label']: label " in message
    assert 'out of range for the model head (4 classes)' in message
    bad = int(message.split('label ')[-1].split()[0])
    assert bad >= 4
    if stage == 'train':
        assert not osp.exists(osp.join(str(tmp_path / 'work'), 'epoch_1.pth'))
    reliability.record('data', f'HAAN label >= the model\'s classes ({stage})',
                       message)


def test_in_range_labels_pass(tmp_path, repo_root):
    from mmaction2_ext.datasets import HAANFeatureDataset
    data = make_haan_dataset(str(tmp_path / 'data'), num_fine_classes=6,
                             num_train=12, num_test=6, seed=0)
    dataset = HAANFeatureDataset(data['ann_dir'], data['features'], 'train',
                                 12, feature_size=32)
    check_labels(dataset, 6)
    with pytest.raises(DataError, match='label 5 is out of range'):
        check_labels(dataset, 5)
    assert np.max([d['gt_labels'].max() for d in
                   (dataset.get_data_info(i) for i in range(12))]) == 5


class _Labels(BaseDataset):
    """A dataset of the given per-sample labels (no files)."""

    def __init__(self, labels, key='label'):
        self.labels, self.key = labels, key
        super().__init__(ann_file='labels.txt', serialize_data=False)

    def load_data_list(self):
        return [{self.key: label, 'frame_dir': f'clip{i}'}
                for i, label in enumerate(self.labels)]


@pytest.mark.parametrize('labels,bad', [
    ([0, 3, 1], None),  # 0 and num_classes - 1 are in range
    ([0, 4, 1], "'#1 (clip1)', field 'label']: label 4 "),  # == num_classes
    ([2, 1, -1], "'#2 (clip2)', field 'label']: label -1 "),  # below 0
    ([np.array([0, 3]), np.array([-2, 1])],  # multi-label
     "'#1 (clip1)', field 'label']: label -2 "),
])
def test_labels_are_checked_on_both_sides(labels, bad):
    if bad is None:
        check_labels(_Labels(labels), 4)
        return
    with pytest.raises(DataError, match=re.escape(f'labels.txt [sample {bad}'
                                                  'is out of range')):
        check_labels(_Labels(labels), 4)


def test_one_hot_labels_are_not_class_ids():
    check_labels(_Labels([np.array([0., 1., 0., 0.])]), 4)
    check_labels(_Labels([np.array([1.])]), 1)  # a 1 is no class id here
    with pytest.raises(DataError, match='label 7 is out of range'):
        check_labels(_Labels([np.array([1, 7])], key='gt_labels'), 4)
