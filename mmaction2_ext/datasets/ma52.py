"""MA-52 (Micro-Action-52) RGB + 28-keypoint pose dataset.

Reads the official pose pickles ``MA52_{train,val,test}.pkl``: a plain list
of per-video dicts with ``frame_dir`` (video id without ``.mp4``) or
``filename``, ``label`` (0-51), ``total_frames``, ``img_shape``,
``original_shape`` and ``keypoint`` (M, T, 28, 2) in pixels (optionally
``keypoint_score`` (M, T, 28)). Videos are ``data_prefix['video']/<id>.mp4``.
Every sample also gets its ``body_label`` (0-6). Given a ``list_file``
(``*_list_videos.txt``), the pickle must hold exactly its videos in its
order (the test submission pairs predictions with that list by index).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import decord
from mmaction.registry import DATASETS

from ..utils import data_error, missing_file
from .ma52_labels import MA52_NUM_ACTIONS, action_to_body, body_groups
from .pose_dataset import CheckedPoseDataset
from .validation import sample_name


def read_video_list(path: str) -> List[str]:
    """Video file names (first column) of a ``*_list_videos.txt``."""
    names = []
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2 or not parts[1].isdigit():
                raise data_error(path, f'line {line_no}: expected '
                                 f'"<video file> <label>", got {line.strip()!r}')
            names.append(parts[0])
    return names


def video_name(item: Dict) -> str:
    """``<id>.mp4`` of a pickle entry (what the list files hold)."""
    if 'filename' in item:
        return osp.basename(item['filename'])
    return osp.basename(item['frame_dir']) + '.mp4'


def video_path(item: Dict) -> str:
    """The file ``MMDecode`` reads for an entry (after the video prefix)."""
    return item.get('filename') or item['frame_dir'] + '.mp4'


def unreadable_video(path: str, total_frames: Optional[int] = None
                     ) -> Optional[str]:
    """Why decord cannot read ``path`` (or its ``total_frames`` frames the
    pickle promises), or None if it can."""
    if not osp.isfile(path):
        return 'video file not found'
    try:
        reader = decord.VideoReader(path, num_threads=1)
        if len(reader) == 0:
            return 'video has no frames'
        reader[0]
    except Exception as err:  # decord raises its own DECORDError types
        return f'video cannot be decoded ({type(err).__name__}: {err})'
    if total_frames is not None and len(reader) < total_frames:
        return (f'video has {len(reader)} frames, but the pickle\'s '
                f'total_frames is {total_frames}')
    return None


@DATASETS.register_module()
class MA52Dataset(CheckedPoseDataset):
    """MA-52 videos + pose: stock ``PoseDataset`` semantics, validated.

    Every entry is checked at build (file, sample and field named in the
    error): keys, label in [0, 52), keypoint (M, T, 28, 2), scores, no-person
    samples and, when ``data_prefix['video']`` is set, that its video exists.
    A video that exists but cannot be decoded, or has fewer frames than the
    pickle's ``total_frames``, is named at its first read.

    Args:
        ann_file: the official pose pickle.
        list_file: optional ``*_list_videos.txt`` the pickle must match.
        layout: keypoint layout ('ma52': 28 (x, y) pixel keypoints).
        check_videos: check at build that every video file exists.
        action_to_body: body group of every action (None: MA-52's 7 body
            parts; 'identity': each action its own group, for one's own
            classes; as ``PCANHead``'s).
        skip_invalid: log and drop bad samples (listed in the work dir);
            in training, a video that fails to decode is skipped too.
    """

    def __init__(self, ann_file: str, pipeline: List,
                 list_file: Optional[str] = None,
                 layout: str = 'ma52', check_videos: bool = True,
                 action_to_body: Union[None, str, Sequence[int]] = None,
                 **kwargs) -> None:
        self.list_file = list_file
        self.action_to_body = action_to_body
        self.check_videos = check_videos
        kwargs.setdefault('num_classes', MA52_NUM_ACTIONS)
        super().__init__(ann_file, pipeline, layout=layout, **kwargs)

    def load_data_list(self) -> List[Dict]:
        data_list = super().load_data_list()
        if self.list_file is not None:
            self._check_order(data_list)
        if self.action_to_body is None:  # MA-52 (labels range-checked)
            bodies = action_to_body([item['label'] for item in data_list])
        else:
            groups = body_groups(self.action_to_body, self.num_classes or
                                 1 + max(i['label'] for i in data_list))
            bodies = [groups[item['label']] for item in data_list]
        for item, body in zip(data_list, bodies):
            item['body_label'] = int(body)
        return data_list

    def check_sample(self, anno: Dict, index: int) -> None:
        super().check_sample(anno, index)
        if self.check_videos and self.data_prefix.get('video'):
            path = video_path(anno)
            if not osp.isfile(path):
                raise data_error(self.ann_file,
                                 f'video file {path} does not exist',
                                 sample_name(anno, index), 'frame_dir')

    def prepare_data(self, idx: int):
        try:
            return super().prepare_data(idx)
        except Exception as err:
            info = self.get_data_info(idx)
            path = video_path(info)
            problem = unreadable_video(path, info.get('total_frames'))
            if problem is None:
                raise
            error = data_error(path, problem, sample_name(info, idx), 'video')
            if not self.skip_invalid or self.test_mode:
                raise error from err
            self._report_skipped([f'{sample_name(info, idx)}\t{error}'],
                                append=True)
            return None  # BaseDataset draws another training sample

    def _check_order(self, data_list: List[Dict]) -> None:
        if not osp.isfile(self.list_file):
            # not only [Errno 2]: say which config key names the file
            raise missing_file(
                'list_file', self.list_file, 'the dataset\'s list_file key, '
                'test_dataloader.dataset.list_file in the MA-52 configs; '
                '--data-root DIR moves it with the rest of the data')
        expected = read_video_list(self.list_file)
        got = [video_name(item) for item in data_list]
        if len(got) != len(expected):
            raise data_error(self.ann_file, f'{len(got)} videos, but '
                             f'{self.list_file} lists {len(expected)}')
        for index, (a, b) in enumerate(zip(got, expected)):
            if a != b:
                raise data_error(self.ann_file, f'video {a!r} at position '
                                 f'{index}, {self.list_file} has {b!r}',
                                 sample=index, field='frame_dir')
