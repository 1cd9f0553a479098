"""Tied scores ranked as the code each piece replaces: the ProtoGCN / MiGA
ensembles (float32 sums, np.argsort / np.argmax), HAAN's evaluation sorts and
mmaction2's recognition demo. MA-52 ties: test_boundaries_and_ties.py."""
import pickle

import numpy as np
import pytest
import torch

from mmaction2_ext.apis.inference import _ranked
from mmaction2_ext.evaluation.functional import (accuracy_report, fuse_scores,
                                                 haan_evaluation_order,
                                                 load_dump)
from mmaction2_ext.evaluation.metrics import HAANDetectionMetric
from mmaction2_ext.submission.imigue import submission_from_scores


def float32_tie(weights, width=32):
    """float32 rows ``a``, ``b`` whose fusion ``w0 * a + w1 * b`` ties
    classes 0 and 3 in float32 while class 3 wins in float64."""
    base = np.full(width, 1 / width, np.float32)
    for ulps_a in range(-3, 4):
        for ulps_b in range(-3, 4):
            a, b = base.copy(), base.copy()
            a[3] += ulps_a * np.spacing(a[3])
            b[3] += ulps_b * np.spacing(b[3])
            f32 = weights[0] * a + weights[1] * b
            f64 = weights[0] * a.astype(float) + weights[1] * b.astype(float)
            if f32[3] == f32[0] and f64[3] > f64[0]:
                return a, b
    raise AssertionError('no float32 tie found')


def write_dump(path, rows, labels=None):
    """A tools/test.py --dump of float32 rows (gt_label when given)."""
    records = [dict(pred_score=torch.from_numpy(r)) for r in rows]
    for rec, y in zip(records, labels or []):
        rec['gt_label'] = torch.tensor([y])
    with open(path, 'wb') as f:
        pickle.dump(records, f)
    return str(path)


def test_protogcn_ensemble_keeps_the_float32_tie(tmp_path):
    """ProtoGCN's ensemble adds the float32 dumps and takes the last index
    of np.argsort per row; a float64 sum would break the tie for class 3."""
    a, b = float32_tie([1, 1])
    a_rows, b_rows = [a, np.roll(a, 5)], [b, np.roll(b, 5)]
    fused_ref = [x * 1 + y * 1 for x, y in zip(a_rows, b_rows)]
    labels = [int(np.argsort(r)[-1]) for r in fused_ref]  # upstream top-1
    scores = [load_dump(write_dump(tmp_path / f'{n}.pkl', rows, labels))[0]
              for n, rows in (('j', a_rows), ('b', b_rows))]
    report = accuracy_report(fuse_scores(scores, [1, 1]), np.array(labels))
    assert report['top1'] == 1.
    # float64 fusion ranks class 3 (resp. 8) first, which is not the label
    f64 = [x.astype(float) + y.astype(float) for x, y in zip(a_rows, b_rows)]
    assert [int(np.argmax(r)) for r in f64] != labels


def test_miga_submission_keeps_the_float32_tie(tmp_path):
    """MiGA: argmax of 0.4 * joint + 0.6 * limb on the float32 results."""
    joint, limb = float32_tie([0.4, 0.6])
    ids = ['0001_0', '0002_1']
    joint_rows = [joint, joint[::-1].copy()]
    limb_rows = [limb, limb[::-1].copy()]
    reference = np.argmax(
        0.4 * np.array(joint_rows) + 0.6 * np.array(limb_rows), axis=1)
    scores = [load_dump(write_dump(tmp_path / f'{n}.pkl', rows))[0]
              for n, rows in (('joint', joint_rows), ('limb', limb_rows))]
    csv_path, _ = submission_from_scores(
        str(tmp_path / 'sub'), ids, fuse_scores(scores, [0.4, 0.6]))
    assert open(csv_path).read().splitlines() == [
        f'{i},{c}' for i, c in zip(ids, reference)]
    f64 = 0.4 * np.array(joint_rows, float) + 0.6 * np.array(limb_rows, float)
    assert list(reference) != list(np.argmax(f64, axis=1))


# ------------------------------------------------------------------- HAAN
def upstream_haan_order(detections):
    """HAAN evaluation.py's steps: each video's predictions sorted by
    np.argsort(-score), appended per class, each class sorted again."""
    per_class = {}
    for video in dict.fromkeys(d['video'] for d in detections):
        rows = [d for d in detections if d['video'] == video]
        for i in np.argsort(-np.array([d['score'] for d in rows])):
            per_class.setdefault(rows[i]['label'], []).append(rows[i])
    return {c: [rows[i] for i in np.argsort(-np.array(
        [d['score'] for d in rows]))] for c, rows in per_class.items()}


def tied_detections(videos=3, per_class=12, classes=2):
    """Many exactly tied scores per video and class (> 16 per sort, where
    numpy's default sort is not stable)."""
    scores = np.array([.5, .75, .5, .25])
    return [dict(video=v, label=c, t_start=float(t), t_end=t + 1.,
                 score=float(scores[(t + c + v) % 4]))
            for v in range(videos) for c in range(classes)
            for t in range(per_class)]


def test_haan_order_is_upstream_evaluation_order():
    detections = tied_detections()
    ordered = haan_evaluation_order(detections)
    want = upstream_haan_order(detections)
    assert [d['label'] for d in ordered] == sorted(d['label'] for d in ordered)
    for c, rows in want.items():
        assert [d for d in ordered if d['label'] == c] == rows
    # the pre-sorts matter: production order alone ranks the ties otherwise
    plain = [d for d in detections if d['label'] == 0]
    assert plain != want[0]


def test_haan_metric_uses_upstream_order():
    """mAP of tied detections: AP depends on which tied detection is first;
    the metric equals detection_map on upstream's order."""
    from mmaction2_ext.evaluation import detection_map
    detections = tied_detections(videos=2, per_class=20, classes=1)
    results = [dict(video_name=f'v{v}', index=v,
                    detections=[d for d in detections if d['video'] == v],
                    gt_labels=[0, 0], gt_segments=[[0., 1.], [7., 8.]])
               for v in range(2)]
    gts = [dict(video=v, label=0, t_start=s, t_end=e) for v in range(2)
           for s, e in ((0., 1.), (7., 8.))]
    metric = HAANDetectionMetric(num_classes=1, tiou_thresholds=[.5],
                                 report_thresholds=[.5], write_files=False)
    got = metric.compute_metrics(results)['mAP@0.5']
    want = detection_map(upstream_haan_order(detections)[0], gts, [.5], 1)
    plain = detection_map(detections, gts, [.5], 1)
    assert got == pytest.approx(100 * want['avg_mAP'])
    assert want['avg_mAP'] != pytest.approx(plain['avg_mAP'])


# -------------------------------------------------------------- inference
@pytest.mark.parametrize('scores', [np.full(10, .1), np.eye(10)[4],
                                    np.array([.2, .3, .3, .1, .3, 0.] * 2)])
def test_inference_top_k_matches_the_stock_demo(scores):
    """mmaction2's demo ranks ``sorted(..., key=score, reverse=True)``
    (stable: tied classes in index order); top_predictions does the same."""
    names = [f'c{i}' for i in range(len(scores))]
    pairs = sorted(zip(range(len(scores)), scores.tolist()),
                   key=lambda p: p[1], reverse=True)[:5]
    got = _ranked(scores, names, 5)
    assert [(d['index'], d['score']) for d in got] == pairs
