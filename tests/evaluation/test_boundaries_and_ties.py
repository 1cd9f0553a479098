"""Boundaries and ties: a detection exactly at a tIoU threshold (ActivityNet:
tIoU >= threshold matches, haan.md 4 step 6), MA-52 top-k with tied scores,
every fusion ratio of the MA-52 metric."""
import pickle

import numpy as np
import pytest
import torch

from mmaction2_ext.datasets.ma52_labels import MA52_ACTION_TO_BODY
from mmaction2_ext.evaluation import detection_map
from mmaction2_ext.evaluation.metrics import HAANDetectionMetric, MA52Metric
from mmaction2_ext.submission.ma52 import (make_submission,
                                           read_prediction_csv,
                                           score_prediction_csv)


def gt(s, e, label=0):
    return dict(video=0, label=label, t_start=s, t_end=e)


def det(s, e, score=1., label=0):
    return dict(video=0, label=label, t_start=s, t_end=e, score=score)


# ------------------------------------------------------------------- tIoU
@pytest.mark.parametrize('end', [5., 2.5, 7.5])
def test_tiou_exactly_at_threshold_matches(end):
    """tIoU([0, end], [0, 10]) = end / 10 exactly (binary fractions): a TP
    at that threshold, an FP just above it."""
    tiou = end / 10
    out = detection_map([det(0, end)], [gt(0, 10)], [tiou, tiou + 1e-9], 1)
    np.testing.assert_array_equal(out['ap'][0], [1., 0.])


def test_metric_thresholds_from_arange_keep_the_boundary():
    """0.1:0.05:0.5 from np.arange holds 0.30000000000000004; the metric
    rounds it, so a tIoU of exactly 0.3 still counts at mAP@0.3."""
    thresholds = np.arange(0.1, 0.55, 0.05)
    assert 0.3 not in thresholds.tolist()  # the float trap is real
    metric = HAANDetectionMetric(num_classes=1, tiou_thresholds=thresholds,
                                 report_thresholds=[0.3, 0.35],
                                 write_files=False)
    result = dict(video_name='v', index=0, detections=[det(0., 3.)],
                  gt_labels=[0], gt_segments=[[0., 10.]])
    out = metric.compute_metrics([result])
    assert out['mAP@0.3'] == 100. and out['mAP@0.35'] == 0.


# -------------------------------------------------------------- MA-52 ties
def pcan_sample(rgb, pose, rgb_coarse, pose_coarse, label=0, name=None,
                dtype=torch.float64):
    sample = dict(pred_score={k: torch.as_tensor(v, dtype=dtype)
                              for k, v in (('rgb', rgb), ('pose', pose),
                                           ('rgb_coarse', rgb_coarse),
                                           ('pose_coarse', pose_coarse))},
                  gt_label=torch.tensor([label]))
    if name:
        sample['filename'] = name
    return sample


def tied_scores():
    """Fused action scores: classes 40, 7, 30 tie at the top, 3 and 12 tie
    next; fused body scores: bodies 5 and 2 tie at the top."""
    action = np.zeros(52)
    action[[40, 7, 30]] = .375
    action[[3, 12]] = .125
    body = np.array([0., 0., .5, .125, 0., .5, .125])
    # split each fused vector into two different halves (binary fractions:
    # the fused ties are exact)
    noise = (np.arange(52) - 26) / 1024
    bnoise = (np.arange(7) - 3) / 64
    return (action + noise, action - noise, body + bnoise, body - bnoise)


def tied_samples(labels=(0, 0, 0, 0)):
    """float32 dumps (as tools/test.py writes them) of tied rows: the split
    ties above, all-equal rows, one-hot rows, duplicated top scores."""
    eye, flat = np.eye(52), np.full(52, 1 / 52)
    dup = np.linspace(0, .5, 52)
    dup[[9, 44]] = 1.
    rows = [tied_scores(), (flat, flat, np.full(7, 1 / 7), np.full(7, 1 / 7)),
            (eye[5], eye[5], np.eye(7)[1], np.eye(7)[1]),
            (dup, dup, np.zeros(7), np.zeros(7))]
    return [pcan_sample(*r, label=y, name=f'test{i:04d}.mp4',
                        dtype=torch.float32)
            for i, (r, y) in enumerate(zip(rows, labels))]


def eval_test_topk(samples):
    """What the official eval_test.py writes: torch.topk(k=5) of each fused
    row, (rgb + pose) / 2 of the dumped tensors (pcan.md 5)."""
    def fused(a, b):
        return torch.stack([(s['pred_score'][a] + s['pred_score'][b]) / 2
                            for s in samples])
    return ([torch.topk(row, k=5).indices.tolist()
             for row in fused('rgb', 'pose')],
            [torch.topk(row, k=5).indices.tolist()
             for row in fused('rgb_coarse', 'pose_coarse')])


def write_run(tmp_path, samples, labels=None):
    """Dump pickle and test list of ``samples``; returns their paths."""
    with open(tmp_path / 'r.pkl', 'wb') as f:
        pickle.dump(samples, f)
    labels = labels or [0] * len(samples)
    (tmp_path / 'list.txt').write_text(''.join(
        f'{s["filename"]} {y}\n' for s, y in zip(samples, labels)))
    return str(tmp_path / 'r.pkl'), str(tmp_path / 'list.txt')


def test_submission_ranks_ties_as_eval_test_torch_topk(tmp_path):
    """On tied fused scores every csv row is torch.topk's order (not the
    lower class first: that is a different submission)."""
    samples = tied_samples()
    dump, test_list = write_run(tmp_path, samples)
    make_submission(dump, test_list, str(tmp_path / 'p.csv'),
                    str(tmp_path / 's.zip'))
    _, action, body = read_prediction_csv(str(tmp_path / 'p.csv'))
    want_action, want_body = eval_test_topk(samples)
    assert action.tolist() == want_action
    assert body.tolist() == want_body
    stable = np.argsort(-np.full(52, 1 / 52), kind='stable')[:5].tolist()
    assert want_action[1] != stable  # the tie order is not the index order


def test_body_predictions_use_the_fused_coarse_scores(tmp_path):
    """Synthetic (no ../shared): the body top-5 is the ranking of
    (rgb_coarse + pose_coarse) / 2, which neither half alone gives."""
    target = np.array([.1, .5, .3, .7, .2, .6, .4])  # -> 3, 5, 1, 6, 2
    pose = target[::-1].copy()
    rgb = 2 * target - pose
    assert list(np.argsort(-rgb)[:2]) != [3, 5] or \
        list(np.argsort(-pose)[:2]) != [3, 5]
    sample = pcan_sample(np.eye(52)[9], np.eye(52)[9], rgb, pose,
                         name='test0000.mp4')
    dump, test_list = write_run(tmp_path, [sample])
    make_submission(dump, test_list, str(tmp_path / 'p.csv'),
                    str(tmp_path / 's.zip'))
    _, action, body = read_prediction_csv(str(tmp_path / 'p.csv'))
    assert list(body[0]) == [3, 5, 1, 6, 2]
    assert action[0][0] == 9


def test_metric_ties_agree_with_the_submission(tmp_path):
    """On tied scores the in-framework MA-52 numbers equal what the server
    computes from our prediction.csv and from eval_test.py's own csv."""
    want_action, want_body = eval_test_topk(tied_samples())
    # labels: each row's tie-broken winner, or the runner-up of its tie
    labels = [want_action[0][0], want_action[1][1], want_action[2][0],
              want_action[3][1]]
    samples = tied_samples(labels)
    metric = MA52Metric()
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    dump, gt_list = write_run(tmp_path, samples, labels)
    make_submission(dump, gt_list, str(tmp_path / 'p.csv'),
                    str(tmp_path / 's.zip'))
    server = score_prediction_csv(str(tmp_path / 'p.csv'), gt_list)
    for key, value in server.items():
        assert out[key] == pytest.approx(value), key
    bodies = np.array(MA52_ACTION_TO_BODY)[labels]
    assert out['action_top1'] == np.mean(
        [row[0] == y for row, y in zip(want_action, labels)])
    assert out['action_top5'] == 1.
    assert out['body_top1'] == np.mean(
        [row[0] == b for row, b in zip(want_body, bodies)])


def test_fork_accuracy_keys_rank_ties_as_stock_accmetric():
    """rgb_/pose_/RGBPose_* keys equal stock mmaction2 AccMetric (the fork's
    keys, np.argsort tie order) on tied scores, where the lower-class-first
    order would give other numbers."""
    from mmaction.evaluation.metrics import AccMetric
    samples = tied_samples(labels=(7, 0, 5, 9))
    ours, stock = MA52Metric(), AccMetric()
    ours.process(None, samples)
    stock.process(None, [dict(gt_label=s['gt_label'], pred_score={
        k: s['pred_score'][k] for k in ('rgb', 'pose')}) for s in samples])
    want = stock.compute_metrics(stock.results)
    got = ours.compute_metrics(ours.results)
    assert set(want) <= set(got)
    for key, value in want.items():
        assert got[key] == pytest.approx(value), key
    # the ties matter here: stable lower-index ranking scores rows 0, 1, 3
    lower_first = np.mean([np.argsort(-(s['pred_score']['rgb'].numpy()),
                                      kind='stable')[0] == y
                           for s, y in zip(samples, (7, 0, 5, 9))])
    assert lower_first != want['rgb_top1']


# ---------------------------------------------------------- fusion ratios
def test_every_fusion_ratio_is_its_own_weighting():
    """Group A: rgb peak .6 (wrong class), pose peak .5 (right); group B:
    rgb .6 (wrong), pose .8 (right). 1:1 -> only B right; 2:1 -> none;
    1:2 -> all."""
    samples = []
    for peak_pose, n in ((.5, 3), (.8, 2)):
        for i in range(n):
            label, wrong = i, 10 + i
            rgb, pose = np.zeros(52), np.zeros(52)
            rgb[wrong], pose[label] = .6, peak_pose
            samples.append(pcan_sample(rgb, pose, np.zeros(7), np.zeros(7),
                                       label=label))
    metric = MA52Metric()
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    assert out['rgb_top1'] == 0. and out['pose_top1'] == 1.
    assert out['RGBPose_1:1_top1'] == pytest.approx(2 / 5)
    assert out['RGBPose_2:1_top1'] == 0.
    assert out['RGBPose_1:2_top1'] == 1.
    # the official numbers use the 1:1 fusion
    assert out['action_top1'] == out['RGBPose_1:1_top1']
