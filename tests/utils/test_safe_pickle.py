"""Data pickles and object .npy files load without running code (§5)."""
import glob
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from mmaction.registry import DATASETS
from mmaction2_ext.datasets import HAANFeatureDataset
from mmaction2_ext.utils import (DataError, UnsafePickleError, safe_load,
                                 safe_np_load)


class RunsCode:
    """Unpickling this calls ``os.system`` (what a hostile data file does)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def _hostile_pickle(tmp_path, wrap=lambda x: x):
    marker = tmp_path / 'code_ran'
    path = tmp_path / 'hostile.pkl'
    path.write_bytes(pickle.dumps(wrap(RunsCode(marker))))
    return str(path), marker


def test_refuses_a_pickle_that_runs_code(tmp_path):
    path, marker = _hostile_pickle(tmp_path, lambda x: [{'label': 1, 'x': x}])
    with pytest.raises(UnsafePickleError) as err:
        safe_load(path)
    assert str(err.value).startswith(path)
    assert "refused to unpickle global 'posix.system'" in str(err.value)
    assert not marker.exists()
    with open(path, 'rb') as f:
        pickle.load(f)  # the crafted file does run code when unrestricted
    assert marker.exists()


def test_pose_dataset_refuses_hostile_annotation_file(tmp_path, reliability):
    path, marker = _hostile_pickle(
        tmp_path, lambda x: dict(split={'train': []}, annotations=[x]))
    with pytest.raises(UnsafePickleError) as err:
        DATASETS.build(dict(type='CheckedPoseDataset', ann_file=path, split='train',
                            pipeline=[]))
    assert not marker.exists()
    reliability.record('data', 'annotation pickle that would run code',
                       str(err.value))


def test_haan_refuses_hostile_object_npy(tmp_path):
    marker = tmp_path / 'code_ran'
    ann_dir = tmp_path / 'ann'
    ann_dir.mkdir()
    array = np.empty(1, dtype=object)
    array[0] = RunsCode(marker)
    np.save(ann_dir / 'video_names.npy', array, allow_pickle=True)
    with pytest.raises(UnsafePickleError, match='video_names.npy: refused'):
        HAANFeatureDataset(str(ann_dir), str(tmp_path), 'train', 1)
    assert not marker.exists()


def test_ensemble_cli_refuses_hostile_dump(tmp_path, tool_env, repo_root,
                                           reliability):
    path, marker = _hostile_pickle(tmp_path, lambda x: [x])
    proc = subprocess.run([sys.executable, 'tools/ensemble.py', path],
                          cwd=repo_root, env=tool_env, text=True,
                          capture_output=True, timeout=120)
    assert not marker.exists()
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(errors) == 1, proc.stderr
    assert errors[0].startswith(f'error: {path}: refused to unpickle global')
    reliability.record('data', '--dump pickle that would run code', errors[0])


def test_official_haan_annotations_load_as_numpy_does(upstream_dir):
    files = sorted(glob.glob(osp.join(upstream_dir, 'haan', 'dataset', '*',
                                      '*.npy')))
    assert len(files) == 8
    for path in files:
        ours = safe_np_load(path)
        theirs = np.load(path, allow_pickle=True)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        for a, b in zip(ours[:50], theirs[:50]):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_upstream_pickles_load(upstream_dir):
    """PoseDataset metadata, AVA proposals and mmaction2 --dump files (torch
    tensors) all load; tensors come back equal."""
    paths = sorted(glob.glob(osp.join(upstream_dir, '**', '*.pkl'),
                             recursive=True))
    assert len(paths) == 4
    for path in paths:
        ours = safe_load(path)
        with open(path, 'rb') as f:
            theirs = pickle.load(f)
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
    joint = safe_load(osp.join(upstream_dir, 'mmaction2', 'demo', 'fuse',
                               'joint.pkl'))
    assert isinstance(joint[0]['pred_score'], torch.Tensor)
    assert joint[0]['pred_score'].shape == (120, )


def test_not_a_pickle_is_named(tmp_path):
    path = tmp_path / 'notes.pkl'
    path.write_text('just text\n')
    with pytest.raises(DataError, match=r'notes\.pkl: cannot read it as a '
                       'pickle file'):
        safe_load(str(path))
