"""Every file a user gets is replaced atomically: a failure half-way through
writing it leaves the previous file as it was and no temporary file behind.
Each test makes the serializer write part of the new content, then fail."""
import csv
import json
import os
import pickle
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmaction2_ext.datasets import invalid
from mmaction2_ext.evaluation.functional.ensemble import save_dump
from mmaction2_ext.evaluation.metrics import (HAANDetectionMetric,
                                              SafeDumpResults)
from mmaction2_ext.evaluation.metrics import haan_metric
from mmaction2_ext.submission import archive
from mmaction2_ext.submission.imigue import write_submission
from mmaction2_ext.submission.ma52 import make_submission
from mmaction2_ext.utils import io as io_utils

OLD = b'previous content\n'


class Interrupted(Exception):
    """The simulated failure (disk full, killed worker...)."""


def fail_after_first_row(monkeypatch):
    """csv writers in the submission archive write one row, then fail."""
    def writer(f, **kw):
        real = csv.writer(f, **kw)

        def writerows(rows):
            real.writerow(next(iter(rows)))
            raise Interrupted
        return SimpleNamespace(writerow=real.writerow, writerows=writerows)
    monkeypatch.setattr(archive, 'csv', SimpleNamespace(writer=writer))


def fail_inside_zip(monkeypatch):
    """Zip members are half written, then the write fails."""
    original = zipfile.ZipFile.writestr

    def writestr(self, name, data, *args, **kw):
        original(self, name, data[:5])
        raise Interrupted
    monkeypatch.setattr(zipfile.ZipFile, 'writestr', writestr)


def fail_after_write(monkeypatch):
    """All bytes reach the file, then the process dies before it is closed
    (fsync is the last step of a write)."""
    def fsync(fd):
        raise Interrupted
    monkeypatch.setattr(io_utils.os, 'fsync', fsync)


def assert_untouched(folder, paths, before):
    for path in paths:
        assert open(path, 'rb').read() == OLD, path
    assert sorted(os.listdir(folder)) == before  # no temporary left


def old_files(folder, *names):
    paths = [str(folder / n) for n in names]
    for p in paths:
        with open(p, 'wb') as f:
            f.write(OLD)
    return paths, sorted(os.listdir(folder))


# ------------------------------------------------------------- submissions
@pytest.fixture
def ma52_dump(tmp_path):
    names = [f'test{i:04d}.mp4' for i in range(3)]
    records = [dict(pred_score=dict(rgb=torch.rand(52), pose=torch.rand(52),
                                     rgb_coarse=torch.rand(7),
                                     pose_coarse=torch.rand(7)))
               for _ in names]
    inputs = tmp_path / 'in'
    inputs.mkdir()
    with open(inputs / 'r.pkl', 'wb') as f:
        pickle.dump(records, f)
    (inputs / 'list.txt').write_text(''.join(f'{n} 0\n' for n in names))
    out = tmp_path / 'out'
    out.mkdir()
    return str(inputs / 'r.pkl'), str(inputs / 'list.txt'), out


@pytest.mark.parametrize('failure', [fail_after_first_row, fail_inside_zip])
def test_ma52_submission(ma52_dump, monkeypatch, failure):
    dump, test_list, out = ma52_dump
    paths, before = old_files(out, 'prediction.csv', 'submission.zip')
    failure(monkeypatch)
    with pytest.raises(Interrupted):
        make_submission(dump, test_list, *paths)
    assert_untouched(out, paths, before)


@pytest.mark.parametrize('failure', [fail_after_first_row, fail_inside_zip])
def test_imigue_submission(tmp_path, monkeypatch, failure):
    paths, before = old_files(tmp_path, 'Submission.csv', 'Submission.zip')
    failure(monkeypatch)
    with pytest.raises(Interrupted):
        write_submission(str(tmp_path), ['a', 'b', 'c'], [0, 1, 2])
    assert_untouched(tmp_path, paths, before)


# ------------------------------------------------------------------- dumps
def test_ensemble_dump(tmp_path, monkeypatch):
    paths, before = old_files(tmp_path, 'fused.pkl')

    def dump(obj, f, *args, **kw):
        f.write(pickle.dumps(obj)[:20])
        raise Interrupted
    monkeypatch.setattr(io_utils.pickle, 'dump', dump)
    with pytest.raises(Interrupted):
        save_dump(paths[0], np.eye(3), np.arange(3))
    assert_untouched(tmp_path, paths, before)


def test_test_dump(tmp_path, monkeypatch):
    """tools/test.py --dump: SafeDumpResults (atomic_local backend)."""
    paths, before = old_files(tmp_path, 'result.pkl')
    fail_after_write(monkeypatch)
    with pytest.raises(Interrupted):
        SafeDumpResults(out_file_path=paths[0]).compute_metrics(
            [dict(pred_score=torch.ones(3))])
    assert_untouched(tmp_path, paths, before)


# -------------------------------------------------------------------- HAAN
def haan_metric_run(out_dir):
    metric = HAANDetectionMetric(num_classes=1, tiou_thresholds=[.5],
                                 report_thresholds=[.5], out_dir=str(out_dir))
    metric.compute_metrics([dict(
        video_name='v', index=0, gt_labels=[0], gt_segments=[[0., 4.]],
        detections=[dict(label=0, t_start=0., t_end=4., score=1.)])])


def test_haan_results_table(tmp_path, monkeypatch):
    paths, before = old_files(tmp_path, 'results.csv')
    fail_after_first_row(monkeypatch)
    with pytest.raises(Interrupted):
        haan_metric_run(tmp_path)
    assert_untouched(tmp_path, paths, before)


def test_haan_detections_json(tmp_path, monkeypatch):
    paths, before = old_files(tmp_path, 'detections.json', 'results.csv')

    def dump(obj, f, **kw):
        f.write(json.dumps(obj)[:10])
        raise Interrupted
    monkeypatch.setattr(haan_metric.json, 'dump', dump)
    with pytest.raises(Interrupted):
        haan_metric_run(tmp_path)
    assert_untouched(tmp_path, paths[:1], before)
    # results.csv (written first) is complete
    assert (tmp_path / 'results.csv').read_text().startswith('epoch,')


# ---------------------------------------------------------- skipped lists
def test_skipped_sample_list(tmp_path, monkeypatch):
    paths, before = old_files(tmp_path, 'invalid_samples_val.txt')
    fail_after_write(monkeypatch)
    with pytest.raises(Interrupted):
        invalid.report_skipped('val.pkl', 'val', ['a: bad', 'b: bad'],
                               directory=str(tmp_path))
    assert_untouched(tmp_path, paths, before)
