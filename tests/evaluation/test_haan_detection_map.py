"""detection_map and haan_detections on hand-worked cases; detection_map also
against mmaction2's ActivityNetLocalization on its own test files."""
import json
import os.path as osp

import numpy as np
import pytest

from mmaction2_ext.evaluation import detection_map, haan_detections


def gt(video, label, s, e):
    return dict(video=video, label=label, t_start=s, t_end=e)


def det(video, label, s, e, score):
    return dict(video=video, label=label, t_start=s, t_end=e, score=score)


def test_ap_tp_fp_tp():
    # precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 -> 1/2 * 1 + 1/2 * 2/3
    gts = [gt('a', 0, 0, 10), gt('a', 0, 20, 30)]
    dets = [det('a', 0, 0, 10, .9), det('a', 0, 40, 50, .8),
            det('a', 0, 20, 30, .7)]
    out = detection_map(dets, gts, [0.5], 1)
    assert out['ap'].shape == (1, 1)
    assert out['ap'][0, 0] == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert out['avg_mAP'] == pytest.approx(0.5 + 0.5 * 2 / 3)


def test_tied_scores_take_upstream_reverse_order():
    # argsort()[::-1] ranks the later of two tied detections first: the FP
    # comes first -> precision 0, 1/2 at recall 0, 1 -> AP 1/2 (a stable
    # sort would give 1).
    gts = [gt('a', 0, 0, 10)]
    dets = [det('a', 0, 0, 10, .5), det('a', 0, 50, 60, .5)]
    assert detection_map(dets, gts, [0.5], 1)['ap'][0, 0] == pytest.approx(.5)


def test_thresholds_and_greedy_matching():
    # tIoU([0,10],[0,8]) = .8: TP at .5/.75, FP at .85
    out = detection_map([det('v', 0, 0, 10, 1.)], [gt('v', 0, 0, 8)],
                        [.5, .75, .85], 1)
    np.testing.assert_allclose(out['ap'][0], [1, 1, 0])
    # Second detection falls back to the other GT (tIoU 1/3) only at .3.
    gts = [gt('v', 0, 0, 10), gt('v', 0, 5, 15)]
    dets = [det('v', 0, 0, 10, .9), det('v', 0, 0, 10, .8)]
    out = detection_map(dets, gts, [.3, .5], 1)
    np.testing.assert_allclose(out['ap'][0], [1., .5])


def test_other_video_and_class_mean():
    # class 0: its only detection is in a video without GT (FP) -> AP 0;
    # class 1: perfect; class 2: no detections -> AP 0. mAP over all 3.
    gts = [gt(0, 0, 0, 5), gt(1, 1, 2, 4), gt(1, 2, 0, 1)]
    dets = [det(1, 0, 0, 5, .9), det(1, 1, 2, 4, .3)]
    out = detection_map(dets, gts, [.1, .5], 3)
    np.testing.assert_allclose(out['ap'], [[0, 0], [1, 1], [0, 0]])
    np.testing.assert_allclose(out['mAP'], [1 / 3, 1 / 3])
    assert out['avg_mAP'] == pytest.approx(1 / 3)


def test_detections_without_gt_give_nan_as_upstream():
    out = detection_map([det(0, 1, 0, 1, .5)], [gt(0, 0, 0, 1)], [.5], 2)
    assert out['ap'][0, 0] == 0 and np.isnan(out['ap'][1, 0])


def test_label_out_of_range_is_an_error():
    with pytest.raises(ValueError, match='label 3'):
        detection_map([det(0, 3, 0, 1, .5)], [], [.5], 2)


def test_matches_mmaction2_activitynet_localization(upstream_dir):
    folder = osp.join(upstream_dir, 'mmaction2', 'tests', 'data',
                      'eval_localization')
    with open(osp.join(folder, 'gt.json')) as f:
        database = json.load(f)
    with open(osp.join(folder, 'result.json')) as f:
        results = json.load(f)['results']
    names = []
    gts = []
    for video, info in database.items():
        for anno in info['annotations']:
            if anno['label'] not in names:
                names.append(anno['label'])
            gts.append(gt(video[2:], names.index(anno['label']),
                          *anno['segment']))
    dets = [det(video, names.index(p['label']), *p['segment'], p['score'])
            for video, preds in results.items() for p in preds
            if p['label'] in names]
    out = detection_map(dets, gts, np.linspace(.5, .95, 10), len(names))
    from mmaction.evaluation.functional.eval_detection import \
        ActivityNetLocalization
    stock_map, stock_avg = ActivityNetLocalization(
        osp.join(folder, 'gt.json'), osp.join(folder, 'result.json')).evaluate()
    np.testing.assert_allclose(out['mAP'], stock_map)
    assert out['avg_mAP'] == pytest.approx(stock_avg)
    assert round(out['avg_mAP'], 4) == 0.6178


LOGITS = np.array([
    # c0              c1   c2   c3
    [0, -1, -5, 0],
    [3, -2, -5, 0],
    [4, -3, -5, 0],
    [0, -1, 10, 0],
    [2, -2, -5, 1],
    [0, -3, -5, 2],
], dtype=np.float32)


def test_haan_detections_finegym_alpha():
    out = haan_detections(LOGITS, 1.5, alpha=0.1, kmax_mod_factor=2)
    # c0: top-3 mean 3; threshold 1.5 + .1 * 4 = 1.9 -> runs [1,3), [4,5)
    # c1: top-3 mean < 0 -> absent; c2: top-3 mean (10-5-5)/3 = 0, not > 0;
    # c3: top-3 mean 1; threshold .5 + .1 * 2 = .7 -> run [4,6)
    expected = [(0, 1, 3, 4 + 1.5), (0, 4, 5, 2 + 1.5), (3, 4, 6, 2 + .5)]
    assert [(d['label'], d['t_start'], d['t_end'], d['score']) for d in out] \
        == [pytest.approx((c, s / 1.5, e / 1.5, sc)) for c, s, e, sc in expected]
    assert all(d['video'] is None for d in out)


def test_haan_detections_fineaction_alpha_and_kmax():
    # alpha -.8: c0 threshold 1.5 - 3.2 -> every clip: one run [0, 6);
    # kmax 4 -> top-2 mean (4 + 3) / 2 = 3.5
    out = haan_detections(LOGITS[:, :1], 0.5, alpha=-0.8,
                          kmax_mod_factor=4)
    assert len(out) == 1
    assert (out[0]['t_start'], out[0]['t_end']) == (0, 12)
    assert out[0]['score'] == pytest.approx(4 + 0.5 * 3.5)


def test_haan_detections_strict_threshold():
    # constant positive column: threshold = mean = every value; x > x is False
    out = haan_detections(np.ones((4, 1), np.float32), 1., .1, 2)
    assert out == []
