"""Raw iMiGUE arrays -> PoseDataset pickles (spec §3): round trip, split, errors."""
import os.path as osp
import pickle
import sys

import numpy as np
import pytest
from mmaction.registry import DATASETS
from mmengine.registry import init_default_scope

from mmaction2_ext.datasets.imigue import (convert_imigue, load_raw_split,
                                           stratified_split)
from mmaction2_ext.utils import DataError
from helpers import warm_python


def _write_raw(folder, split, n=12, classes=4, seed=0, shape=None,
               names=None, labels=None):
    rng = np.random.default_rng(seed)
    data = rng.uniform(0, 1000, shape or (n, 3, 90, 22, 1)).astype(np.float32)
    names = names or [f'{i // 3:04d}_{i % 3}' for i in range(n)]
    labels = labels if labels is not None else [i % classes for i in range(n)]
    np.save(osp.join(folder, f'{split}_data.npy'), data)
    with open(osp.join(folder, f'{split}_label.pkl'), 'wb') as f:
        pickle.dump((names, labels), f)
    return data, names, labels


def _load(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


def test_round_trip(tmp_path):
    data, names, labels = _write_raw(str(tmp_path), 'test')
    written = convert_imigue(str(tmp_path), str(tmp_path / 'out'), ['test'])
    content = _load(written['test'])
    assert content['split'] == {'test': names}
    annos = content['annotations']
    assert [a['frame_dir'] for a in annos] == names
    assert [a['label'] for a in annos] == labels
    rebuilt = np.zeros_like(data)
    for i, a in enumerate(annos):
        assert a['img_shape'] == a['original_shape'] == (1080, 1920)
        assert a['total_frames'] == 90
        assert a['keypoint'].shape == (1, 90, 22, 2)
        assert a['keypoint_score'].shape == (1, 90, 22)
        for t in range(90):
            for v in range(22):
                rebuilt[i, 0, t, v, 0] = a['keypoint'][0, t, v, 0]
                rebuilt[i, 1, t, v, 0] = a['keypoint'][0, t, v, 1]
                rebuilt[i, 2, t, v, 0] = a['keypoint_score'][0, t, v]
    np.testing.assert_array_equal(rebuilt, data)


def test_stratified_split_is_deterministic_and_per_class():
    labels = [0] * 10 + [1] * 20 + [2] * 1 + [3] * 3
    train, val = stratified_split(labels, 0.2, seed=5)
    assert (train, val) == stratified_split(labels, 0.2, seed=5)
    assert stratified_split(labels, 0.2, seed=6)[1] != val
    assert sorted(train + val) == list(range(len(labels)))
    counts = np.bincount(np.asarray(labels)[val], minlength=4).tolist()
    assert counts == [2, 4, 0, 1]  # round(0.2 n), at least 1, never all
    with pytest.raises(ValueError):
        stratified_split(labels, 1.0)


def test_val_split_pickles_load_in_pose_dataset(tmp_path):
    _, names, labels = _write_raw(str(tmp_path), 'train', n=20)
    written = convert_imigue(str(tmp_path), str(tmp_path / 'out'), ['train'],
                             val_ratio=0.4, seed=0)
    assert set(written) == {'train', 'val'}
    init_default_scope('mmaction')
    sizes = {}
    for split, path in written.items():
        ds = DATASETS.build(dict(type='CheckedPoseDataset', ann_file=path,
                                 split=split, pipeline=[]))
        sizes[split] = len(ds)
        item = ds[0]
        assert item['keypoint'].shape == (1, 90, 22, 2)
    assert sizes == {'train': 12, 'val': 8}  # 2 of 5 per class
    train_names = _load(written['train'])['split']['train']
    val_names = _load(written['val'])['split']['val']
    assert sorted(train_names + val_names) == sorted(names)


@pytest.mark.parametrize('kind,match', [
    ('joints', r'train_data.npy: expected shape \(N, 3, T, 22, M\)'),
    ('count', r'train_label.pkl: 11 names and 11 labels for 12 samples'),
    ('label', r"train_label.pkl \[sample '0001_0', field 'labels'\]: label"),
    ('duplicate', r"sample '0000_0', field 'sample_names'\]: duplicate"),
    ('nan', r"train_data.npy \[sample '0000_2', field 'data'\]: NaN"),
    ('pair', r'train_label.pkl: expected a pickled pair'),
])
def test_malformed_input_names_file_sample_field(tmp_path, kind, match):
    folder = str(tmp_path)
    names = [f'{i // 3:04d}_{i % 3}' for i in range(12)]
    if kind == 'joints':
        _write_raw(folder, 'train', shape=(12, 3, 90, 17, 1))
    elif kind == 'count':
        _write_raw(folder, 'train', names=names[:11], labels=[0] * 11)
    elif kind == 'label':
        _write_raw(folder, 'train', labels=[0, 1, 2, 32] + [0] * 8)
    elif kind == 'duplicate':
        _write_raw(folder, 'train', names=names[:11] + names[:1])
    elif kind == 'nan':
        data, _, _ = _write_raw(folder, 'train')
        data[2, 0, 5, 3, 0] = np.nan
        np.save(osp.join(folder, 'train_data.npy'), data)
    elif kind == 'pair':
        _write_raw(folder, 'train')
        with open(osp.join(folder, 'train_label.pkl'), 'wb') as f:
            pickle.dump({'names': names}, f)
    with pytest.raises(DataError, match=match):
        convert_imigue(folder, str(tmp_path / 'out'), ['train'])
    assert not osp.exists(tmp_path / 'out' / 'imigue_train.pkl')


def test_missing_file(tmp_path):
    with pytest.raises(DataError,
                       match='raw iMiGUE file .*test_data.npy does not exist'):
        load_raw_split(str(tmp_path / 'test_data.npy'),
                       str(tmp_path / 'test_label.pkl'))


def test_cli(tmp_path, repo_root, tool_env):
    _write_raw(str(tmp_path), 'train', n=12)
    _write_raw(str(tmp_path), 'test', n=6)
    out = tmp_path / 'out'
    proc = warm_python.run(
        [sys.executable, osp.join(repo_root, 'tools/data/imigue/convert.py'),
         '--raw-dir', str(tmp_path), '--out-dir', str(out), '--val-ratio',
         '0.25'], env=tool_env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'train: 12/12' in proc.stdout and 'test: 6/6' in proc.stdout
    for split in ('train', 'val', 'test'):
        assert split in _load(out / f'imigue_{split}.pkl')['split']
    bad = warm_python.run(
        [sys.executable, osp.join(repo_root, 'tools/data/imigue/convert.py'),
         '--raw-dir', str(tmp_path / 'nowhere'), '--out-dir', str(out)],
        env=tool_env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert bad.stderr.strip().startswith('error: ') and \
        'train_data.npy does not exist' in bad.stderr
