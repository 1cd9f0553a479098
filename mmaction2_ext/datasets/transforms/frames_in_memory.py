"""RGB + pose decoding from frames already in memory (live streams).

A live stream has no file to seek in: its recent frames sit in a buffer. This
transform takes them from ``results['array']`` where ``MMDecode`` would open
``results['filename']``; poses, index handling and the keypoint rescaling to
the frame size are ``MMDecode``'s own.
"""
from typing import Dict, List

import numpy as np
from mmaction.datasets.transforms import MMDecode
from mmaction.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MMDecodeArray(MMDecode):
    """``MMDecode`` whose RGB frames are ``results['array']``: ``(T, H, W,
    3)`` uint8 RGB (a sequence of ``(H, W, 3)`` works too), indexed by
    ``RGB_inds``. The array is removed from the results."""

    def transform(self, results: Dict) -> Dict:
        if 'array' not in results:
            raise KeyError('MMDecodeArray needs the frames in '
                           "results['array']")
        self._frames = results.pop('array')
        results.setdefault('filename', '<array>')
        try:
            return super().transform(results)
        finally:
            self._frames = None

    def _get_video_reader(self, filename: str):
        return self._frames

    def _decord_load_frames(self, frames, frame_inds: np.ndarray
                            ) -> List[np.ndarray]:
        # copies: later transforms (Flip) change frames in place, and the
        # buffer's frames belong to the next windows too
        return [np.array(frames[int(i)]) for i in frame_inds]
