"""Decode each video once per sample, however many clips index it.

Stock ``DecordDecode``/``MMDecode`` hand all clip indices (10 test clips of
8 frames: 80 indices in clip order) to decord's ``get_batch``, which seeks
back to a keyframe at the start of every clip and decodes forward again: a
10-clip sample decodes its video about 10 times. Here the sorted unique
indices are read in one forward pass and the clips index those frames. decord
decodes a frame from the same keyframe either way: bit-identical frames.

Memory per sample: the unique frames plus one copy per repeated index, i.e. at
most ``len(frame_inds)`` frames of H x W x 3 uint8, as stock holds. Repeats are
copies (not views) because ``Flip`` flips frames in place.
"""
from typing import List

import numpy as np
from mmaction.datasets.transforms import DecordDecode, MMDecode
from mmaction.registry import TRANSFORMS


def decode_once(container, frame_inds: np.ndarray) -> List[np.ndarray]:
    """Frames ``frame_inds`` of a decord reader, each decoded once."""
    unique, inverse = np.unique(frame_inds, return_inverse=True)
    frames = container.get_batch(unique).asnumpy()
    seen = np.zeros(len(unique), dtype=bool)
    imgs = []
    for i in inverse.ravel():
        imgs.append(frames[i].copy() if seen[i] else frames[i])
        seen[i] = True
    return imgs


class _DecodeOnce:
    """Replaces the accurate-mode frame loading of a decord transform."""

    def _decord_load_frames(self, container,
                            frame_inds: np.ndarray) -> List[np.ndarray]:
        if self.mode != 'accurate':  # keyframe seeking: stock behaviour
            return super()._decord_load_frames(container, frame_inds)
        return decode_once(container, frame_inds)


@TRANSFORMS.register_module()
class DecordDecodeOnce(_DecodeOnce, DecordDecode):
    """``DecordDecode`` (after ``DecordInit``), each frame decoded once."""


@TRANSFORMS.register_module()
class MMDecodeOnce(_DecodeOnce, MMDecode):
    """``MMDecode`` (RGB + pose, PCAN), each video frame decoded once."""
