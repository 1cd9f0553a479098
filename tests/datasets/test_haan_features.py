"""HAANFeatureDataset on the real HAAN annotations (synthetic features), the
FineGym new split, class weights of spec 2.4, collate and bad input."""
import os
import os.path as osp

import numpy as np
import pytest
import torch

from mmaction2_ext.datasets import HAANFeatureDataset, haan_collate
from mmaction2_ext.datasets.synthetic.haan import make_haan_dataset
from mmaction2_ext.utils import DataError


@pytest.fixture(scope='module')
def finegym(upstream_dir, tmp_path_factory):
    ann_dir = osp.join(upstream_dir, 'haan', 'dataset', 'FineGym')
    names = np.load(osp.join(ann_dir, 'video_names.npy'), allow_pickle=True)
    feats = tmp_path_factory.mktemp('feats')
    # per-video features for a few videos only: the others are never read
    for i in (0, 1, 3775):
        t = 5 + i % 7
        np.save(feats / f'{names[i]}.npy',
                np.full((t, 8), i, dtype=np.float32))
    return ann_dir, str(feats), names


def test_reads_real_finegym_annotations(finegym):
    ann_dir, feats, names = finegym
    train = HAANFeatureDataset(ann_dir, feats, 'train', 3775, feature_size=8,
                               max_clips_per_video=309)
    test = HAANFeatureDataset(ann_dir, feats, 'test', 3775, feature_size=8)
    assert (len(train), len(test)) == (3775, 1193)
    assert (train.num_fine_classes, train.num_coarse_classes) == (99, 14)
    labels = np.load(osp.join(ann_dir, 'labels.npy'), allow_pickle=True)
    info = train.get_data_info(0)
    fine = sorted({f for _, f in labels[0]})
    assert np.flatnonzero(info['fine_labels']).tolist() == fine
    # spec 2.4 from the raw labels, counted independently
    pos = np.zeros(99)
    for video in labels[:3775]:
        for f in {f for _, f in video}:
            pos[f] += 1
    expected = np.where(info['fine_labels'] > 0, 99 / pos, 99 / (3775 - pos))
    np.testing.assert_allclose(info['fine_weights'], expected, rtol=1e-6)
    t_info = test.get_data_info(0)
    assert t_info['video_name'] == names[3775] and t_info['index'] == 0
    assert t_info['gt_segments'].shape == (len(labels[3775]), 2)
    assert t_info['sec2clip_ratio'] == 1.5
    sample = test[0]
    assert sample['inputs'].shape == (5 + 3775 % 7, 8)
    assert float(sample['inputs'][0, 0]) == 3775


def test_collate_pads_and_stacks(finegym):
    ann_dir, feats, _ = finegym
    train = HAANFeatureDataset(ann_dir, feats, 'train', 3775, feature_size=8)
    batch = haan_collate([train[0], train[1]])
    assert batch['inputs'].shape == (2, 6, 8)
    assert batch['data_samples']['seq_lens'].tolist() == [5, 6]
    assert torch.all(batch['inputs'][0, 5:] == 0)
    assert batch['data_samples']['fine_labels'].shape == (2, 99)
    assert batch['data_samples']['coarse_weights'].shape == (2, 14)
    assert len(batch['data_samples']['video_names']) == 2


def test_finegym_new_split_matches_row_split(upstream_dir, finegym):
    ann_dir, feats, names = finegym
    split = osp.join(upstream_dir, 'haan', 'FineGym-new-split',
                     'gym99_val_element_new.txt')
    by_file = HAANFeatureDataset(ann_dir, feats, 'test', feature_size=8,
                                 split_file=split)
    assert len(by_file) == 1193
    rows = sorted(by_file.get_data_info(i)['row'] for i in range(1193))
    assert rows == list(range(3775, 4968))


def test_reads_real_fineaction_annotations(upstream_dir, tmp_path):
    ann_dir = osp.join(upstream_dir, 'haan', 'dataset', 'FineAction')
    test = HAANFeatureDataset(ann_dir, str(tmp_path), 'test', 8440,
                              feature_size=4096)
    assert len(test) == 4174 and test.num_fine_classes == 106
    # negative-length ground truth is kept, as upstream
    assert any((test.get_data_info(i)['gt_segments'][:, 1] <
                test.get_data_info(i)['gt_segments'][:, 0]).any()
               for i in range(len(test)))


def test_bad_features_name_file_sample_field(tmp_path):
    info = make_haan_dataset(str(tmp_path / 'd'), num_train=12, num_test=4,
                             per_video_features=True)
    ds = HAANFeatureDataset(info['ann_dir'], info['features'], 'train', 12,
                            feature_size=32)
    name = ds.get_data_info(0)['video_name']
    path = osp.join(info['features'], f'{name}.npy')
    np.save(path, np.zeros((4, 31), np.float32))
    with pytest.raises(DataError, match=rf"{name}.npy \[sample '{name}', "
                       r"field 'features'\]: shape \(4, 31\)"):
        ds[0]
    import os
    os.remove(path)
    with pytest.raises(DataError, match='feature file .* does not exist'):
        ds[0]
    short = HAANFeatureDataset(info['ann_dir'], info['features'], 'train',
                               12, feature_size=32, max_clips_per_video=3)
    with pytest.raises(DataError, match='max_clips_per_video=3'):
        short[1]


def test_official_single_file_and_missing_class(tmp_path):
    info = make_haan_dataset(str(tmp_path / 'd'), num_train=12, num_test=4)
    ds = HAANFeatureDataset(info['ann_dir'], info['features'], 'test', 12,
                            feature_size=32)
    feats = np.load(info['features'], allow_pickle=True)
    np.testing.assert_array_equal(ds[2]['inputs'].numpy(), feats[14])
    # 3 training videos do not cover the 6 classes: infinite weight -> error
    with pytest.raises(DataError,
                       match=r'fine class \d occurs in no training video'):
        HAANFeatureDataset(info['ann_dir'], info['features'], 'train', 3,
                           feature_size=32)


def test_skip_invalid_drops_and_lists_bad_videos(tmp_path):
    from mmengine.logging import MMLogger
    MMLogger.get_instance('haan-skip', log_file=str(tmp_path / 'run.log'))
    info = make_haan_dataset(str(tmp_path / 'd'), num_train=12, num_test=4,
                             per_video_features=True)
    full = HAANFeatureDataset(info['ann_dir'], info['features'], 'train', 12,
                              feature_size=32)
    names = [full.get_data_info(i)['video_name'] for i in range(len(full))]
    np.save(osp.join(info['features'], f'{names[1]}.npy'),
            np.zeros((4, 31), np.float32))  # wrong D
    os.remove(osp.join(info['features'], f'{names[5]}.npy'))  # missing
    with pytest.raises(DataError, match=names[1]):
        HAANFeatureDataset(info['ann_dir'], info['features'], 'train', 12,
                           feature_size=32)[1]
    kept = HAANFeatureDataset(info['ann_dir'], info['features'], 'train', 12,
                              feature_size=32, skip_invalid=True)
    assert [kept.get_data_info(i)['video_name'] for i in range(len(kept))] == \
        [n for i, n in enumerate(names) if i not in (1, 5)]
    assert [kept.get_data_info(i)['index'] for i in range(len(kept))] == \
        list(range(10))
    listing = (tmp_path / 'invalid_samples_haan_train.txt').read_text()
    lines = listing.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(names[1]) and 'shape (4, 31)' in lines[0]
    assert lines[1].startswith(names[5]) and 'does not exist' in lines[1]
    assert kept[0]['inputs'].shape[1] == 32
