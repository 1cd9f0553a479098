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
# stock PoseCompact zeroes NaN keypoints (mmaction2 / PYSKL), so with it in the
# pipeline a NaN joint is a "missing joint", not an error
COMPACT_PIPELINE = [dict(type='PoseDecode'),
                    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True)]


@pytest.fixture(scope='module')
def clean_data():
    return make_skeleton_dataset('coco', num_classes=3,
                                 samples_per_class=(2, 1), seed=5)


def _build(tmp_path, data, **kwargs):
    path = tmp_path / 'anno.pkl'
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    cfg = dict(type='CheckedPoseDataset', ann_file=str(path), split='train',
               pipeline=PIPELINE, num_classes=3, num_keypoints=17)
    cfg.update(kwargs)
    return DATASETS.build(cfg), str(path)


def _set(key, value):
    return lambda a: a.update({key: value(a)})


def _with(array, where, value):
    array = array.copy()
    array[where] = value
    return array


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
    'missing_keypoint': (lambda a: a.pop('keypoint'), 'keypoint',
                         'missing key'),
    'no_person': (lambda a: a.update(keypoint=np.zeros((0, 40, 17, 2), np.float32),
                                     keypoint_score=np.zeros((0, 40, 17))),
                  'keypoint', 'no person'),
    'all_zero': (lambda a: a['keypoint'].fill(0), 'keypoint',
                 'all keypoints are zero'),
    'score_shape': (lambda a: a.update(keypoint_score=a['keypoint_score'][:, :3]),
                    'keypoint_score', 'does not match keypoint'),
    'object_dtype': (_set('keypoint', lambda a: a['keypoint'].astype(object)),
                     'keypoint', 'expected a numeric array, got object'),
    'object_dtype_score': (_set('keypoint_score',
                                lambda a: a['keypoint_score'].astype(object)),
                           'keypoint_score', 'expected a numeric array'),
    'nan_keypoint': (_set('keypoint', lambda a: _with(a['keypoint'],
                                                      (0, 3, 5, 1), np.nan)),
                     'keypoint', '1 non-finite values (NaN/inf; first at '
                     'person 0, frame 3, joint 5)'),
    'inf_score': (_set('keypoint_score', lambda a: _with(
        a['keypoint_score'], (0, 2, 4), np.inf)), 'keypoint_score',
        'non-finite values (NaN/inf; first at person 0, frame 2, joint 4)'),
    'keypoint_dim': (_set('keypoint', lambda a: np.concatenate(
        [a['keypoint'], a['keypoint'][..., :1]], -1)), 'keypoint',
        '3-D keypoints (shape (1, 54, 17, 3)), but the config layout is 2-D'),
}
CASE_NAMES = dict(
    missing_keypoint_shape='keypoint array of the wrong rank',
    keypoint_count='joint count differs from the config layout',
    label_range='label >= the dataset num_classes',
    missing_label='sample without a label',
    missing_keypoint='sample without keypoints (training)',
    no_person='no person in a sample',
    all_zero='all keypoints zero', score_shape='score shape != keypoint shape',
    object_dtype='keypoint array of object dtype',
    object_dtype_score='keypoint_score array of object dtype',
    nan_keypoint='NaN keypoint (GCN pipeline)', inf_score='inf keypoint score',
    keypoint_dim='3-D keypoints for a 2-D layout (coco)')


@pytest.mark.parametrize('case', sorted(CASES))
def test_bad_sample_is_named(tmp_path, clean_data, case, reliability):
    change, field, problem = CASES[case]
    data = _broken(clean_data, 1, change)
    name = data['annotations'][1]['frame_dir']
    with pytest.raises(DataError) as info:
        _build(tmp_path, data, layout='coco', num_keypoints=None)
    message = str(info.value)
    assert 'anno.pkl' in message and f'#1 ({name})' in message
    assert f"field '{field}'" in message and problem in message
    reliability.record('data', CASE_NAMES[case], message)


def test_nan_keypoints_pass_when_the_pipeline_zeroes_them(tmp_path,
                                                          clean_data):
    nan = _broken(clean_data, 1, _set('keypoint', lambda a: _with(
        a['keypoint'], (0, 3, 5, 1), np.nan)))
    dataset, _ = _build(tmp_path, nan, pipeline=COMPACT_PIPELINE)
    assert len(dataset) == 6
    assert np.isfinite(dataset[1]['keypoint']).all()  # PoseCompact zeroed it
    inf = _broken(clean_data, 1, _set('keypoint', lambda a: _with(
        a['keypoint'], (0, 3, 5, 1), np.inf)))
    with pytest.raises(DataError, match='non-finite'):
        _build(tmp_path, inf, pipeline=COMPACT_PIPELINE)


def test_layout_sets_joints_and_dimension(tmp_path, clean_data):
    dataset, _ = _build(tmp_path, clean_data, layout='coco',
                        num_keypoints=None)
    assert (dataset.num_keypoints, dataset.keypoint_dim) == (17, 2)
    with pytest.raises(DataError, match='17 keypoints per person, but the '
                       'config layout has 25'):
        _build(tmp_path, clean_data, layout='nturgb+d', num_keypoints=None)
    with pytest.raises(ValueError, match="layout 'ntu' is not one of"):
        _build(tmp_path, clean_data, layout='ntu')


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


def test_skip_list_outside_a_runner_goes_where_asked_or_to_temp(
        tmp_path, clean_data, monkeypatch):
    """Never into the current directory: the given dir, else the temp dir."""
    data = _broken(clean_data, 2, lambda a: a.update(label=9))
    cwd = tmp_path / 'cwd'
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr('tempfile.tempdir', str(tmp_path / 'tmp'))
    (tmp_path / 'tmp').mkdir()
    logger = MMLogger.get_instance('no_log_file', log_file=None)
    assert getattr(logger, 'log_file', None) is None
    _build(tmp_path, data, skip_invalid=True,
           invalid_list_dir=str(tmp_path / 'lists'))
    assert os.listdir(tmp_path / 'lists') == ['invalid_samples_train.txt']
    _build(tmp_path, data, skip_invalid=True)
    listing = tmp_path / 'tmp' / 'invalid_samples_train.txt'
    assert 'label 9 out of range' in listing.read_text()
    assert os.listdir(cwd) == []


def test_keypoints_may_come_from_per_sample_files(tmp_path, clean_data):
    """Kinetics-style: entries without ``keypoint``, one pickle per sample
    under ``data_prefix['skeleton']``."""
    data = copy.deepcopy(clean_data)
    folder = tmp_path / 'kpfiles'
    folder.mkdir()
    for anno in data['annotations']:
        with open(folder / f'{anno["frame_dir"]}.pkl', 'wb') as f:
            pickle.dump(dict(keypoint=anno.pop('keypoint'),
                             keypoint_score=anno.pop('keypoint_score')), f)
    with pytest.raises(DataError, match="field 'keypoint'.*missing key"):
        _build(tmp_path, data)
    dataset, _ = _build(tmp_path, data, data_prefix=dict(skeleton=str(folder)))
    assert dataset[0]['keypoint'].shape[2] == 17
