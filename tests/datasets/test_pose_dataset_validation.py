"""Bad skeleton input fails at dataset build with file, sample and field named."""
import copy
import os
import pickle

import numpy as np
import pytest
from mmengine.logging import MMLogger

from mmaction.registry import DATASETS
from mmaction2_ext.datasets.synthetic.skeleton import make_skeleton_dataset
from mmaction2_ext.utils import DataError

PIPELINE = [dict(type='PoseDecode')]


@pytest.fixture(scope='module')
def clean_data():
    return make_skeleton_dataset('coco', num_classes=3,
                                 samples_per_class=(2, 1), seed=5)


def _build(tmp_path, data, **kwargs):
    path = tmp_path / 'anno.pkl'
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    cfg = dict(type='PoseDataset', ann_file=str(path), split='train',
               pipeline=PIPELINE, num_classes=3, num_keypoints=17)
    cfg.update(kwargs)
    return DATASETS.build(cfg), str(path)


def _broken(data, index, change):
    data = copy.deepcopy(data)
    change(data['annotations'][index])
    return data


def test_clean_data_builds(tmp_path, clean_data):
    dataset, _ = _build(tmp_path, clean_data)
    assert len(dataset) == 6
    assert dataset[0]['keypoint'].shape[2] == 17


CASES = {
    'missing_keypoint_shape': (lambda a: a.update(keypoint=np.zeros((5, 17, 2))),
                               'keypoint', 'expected an array (M, T, V, C=2|3)'),
    'keypoint_count': (lambda a: a.update(keypoint=a['keypoint'][:, :, :15],
                                          keypoint_score=a['keypoint_score'][:, :, :15]),
                       'keypoint', '15 keypoints per person, but the config layout has 17'),
    'label_range': (lambda a: a.update(label=7), 'label',
                    'label 7 out of range (must be < 3)'),
    'missing_label': (lambda a: a.pop('label'), 'label', 'missing key'),
    'no_person': (lambda a: a.update(keypoint=np.zeros((0, 40, 17, 2), np.float32),
                                     keypoint_score=np.zeros((0, 40, 17))),
                  'keypoint', 'no person'),
    'all_zero': (lambda a: a['keypoint'].fill(0), 'keypoint',
                 'all keypoints are zero'),
    'score_shape': (lambda a: a.update(keypoint_score=a['keypoint_score'][:, :3]),
                    'keypoint_score', 'does not match keypoint'),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_bad_sample_is_named(tmp_path, clean_data, case):
    change, field, problem = CASES[case]
    data = _broken(clean_data, 1, change)
    name = data['annotations'][1]['frame_dir']
    with pytest.raises(DataError) as info:
        _build(tmp_path, data)
    message = str(info.value)
    assert 'anno.pkl' in message and f'#1 ({name})' in message
    assert f"field '{field}'" in message and problem in message


def test_unknown_split_is_named(tmp_path, clean_data):
    with pytest.raises(DataError, match="missing key 'xsub_train'"):
        _build(tmp_path, clean_data, split='xsub_train')


def test_split_dict_without_split_is_named(tmp_path, clean_data):
    with pytest.raises(DataError, match=r"anno\.pkl: holds a split dict; set split="):
        _build(tmp_path, clean_data, split=None)


def test_skip_invalid_logs_and_lists_bad_samples(tmp_path, clean_data):
    data = _broken(clean_data, 2, lambda a: a.update(label=9))
    logger = MMLogger.get_instance('skip_invalid_test',
                                   log_file=str(tmp_path / 'run.log'))
    assert MMLogger.get_current_instance() is logger
    dataset, _ = _build(tmp_path, data, skip_invalid=True)
    assert len(dataset) == 5
    listing = (tmp_path / 'invalid_samples_train.txt').read_text()
    assert data['annotations'][2]['frame_dir'] in listing
    assert 'label 9 out of range' in listing
    assert sorted(os.listdir(tmp_path)) == ['anno.pkl', 'invalid_samples_train.txt',
                                            'run.log']
