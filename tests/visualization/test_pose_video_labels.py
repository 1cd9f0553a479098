"""The labels that ``tools/infer.py --vis`` writes on every frame stay legible
on a real clip: drawn on an opaque box, in one stroke width.

OpenCV 5's glyph advance grows with the stroke width, so a black outline drawn
at width 3 under white text of width 1 did not line up: on MA-52 clip A1
frame 37 the label read "stretohingaemss0.551".
"""
import os.path as osp

import cv2
import decord
import numpy as np
import pytest

from mmaction2_ext.visualization import pose_video

CLIP = 'micro-action/ma52_demo/A1_shaking_body__0030_01_0002.mp4'
LINES = ['1. stretching arms 0.551', '2. shaking body 0.210']


def _label_boxes(img):
    """Pixel boxes (x0, y0, x1, y1) of the labels, measured here from
    OpenCV's text size at width 1 (the only width drawn)."""
    boxes, top = [], pose_video.LABEL_MARGIN
    pad = pose_video.LABEL_PAD
    for line in LINES:
        (w, h), base = cv2.getTextSize(line, pose_video.LABEL_FONT,
                                       pose_video.LABEL_SCALE, 1)
        boxes.append((pose_video.LABEL_MARGIN, top,
                      pose_video.LABEL_MARGIN + w + 2 * pad,
                      top + h + base + 2 * pad))
        top += h + base + 2 * pad
    return boxes


@pytest.fixture(scope='module')
def frame(upstream_dir):
    """Frame 37 of a real MA-52 clip (BGR, 640 px high as the overlay)."""
    rgb = decord.VideoReader(osp.join(upstream_dir, CLIP))[37].asnumpy()
    h, w = rgb.shape[:2]
    return cv2.resize(np.ascontiguousarray(rgb[..., ::-1]),
                      (w * 640 // h // 2 * 2, 640))


def test_labels_do_not_depend_on_the_background(frame):
    """Inside each label box the picture is the same on the real frame as on
    black and on white: nothing of the video shows through the text."""
    drawn = []
    for background in (frame, np.zeros_like(frame),
                       np.full_like(frame, 255)):
        img = background.copy()
        pose_video._draw_text(img, LINES)
        drawn.append(img)
    for x0, y0, x1, y1 in _label_boxes(frame):
        real, black, white = (d[y0:y1 + 1, x0:x1 + 1] for d in drawn)
        assert np.array_equal(real, black)
        assert np.array_equal(real, white)


def test_labels_are_one_clean_stroke(frame):
    """Each label equals white text of width 1 drawn alone on the box colour
    (an outline at another width would change it), and its ink is
    actually there: the text is as wide as OpenCV says it is."""
    img = frame.copy()
    pose_video._draw_text(img, LINES)
    pad = pose_video.LABEL_PAD
    for line, (x0, y0, x1, y1) in zip(LINES, _label_boxes(frame)):
        ref = np.zeros((y1 - y0 + 1, x1 - x0 + 1, 3), np.uint8)
        ref[:] = pose_video.LABEL_BOX
        (w, h), _ = cv2.getTextSize(line, pose_video.LABEL_FONT,
                                    pose_video.LABEL_SCALE, 1)
        cv2.putText(ref, line, (pad, pad + h), pose_video.LABEL_FONT,
                    pose_video.LABEL_SCALE, pose_video.LABEL_INK, 1,
                    cv2.LINE_AA)
        assert np.array_equal(img[y0:y1 + 1, x0:x1 + 1], ref)
        ink = np.flatnonzero((ref.max(-1) > 128).any(0))
        assert ink.max() - ink.min() > 0.9 * w


def test_labels_stay_inside_the_frame_and_below_each_other(frame):
    boxes = _label_boxes(frame)
    assert all(x1 < frame.shape[1] and y1 < frame.shape[0]
               for _, _, x1, y1 in boxes)
    assert all(a[3] <= b[1] for a, b in zip(boxes, boxes[1:]))
