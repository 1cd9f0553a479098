"""``PoseDataset`` with input validation and an opt-in ``skip_invalid``."""
import os.path as osp
from functools import cached_property
from typing import Dict, List, Optional

from mmaction.datasets import PoseDataset
from mmaction.datasets.base import BaseActionDataset
from mmaction.datasets.transforms import MMCompact, PoseCompact
from mmaction.registry import DATASETS
from ..utils import DataError, safe_load
from .invalid import report_skipped
from .pose_pickle import load_pose_annotations
from .validation import KEYPOINT_LAYOUTS, check_pose_annotation, sample_name

#: stock transforms that turn NaN keypoints into 0 (missing joints)
NAN_ZEROING_TRANSFORMS = (PoseCompact, MMCompact)


@DATASETS.register_module()
class CheckedPoseDataset(PoseDataset):
    """Stock ``PoseDataset`` that checks every annotation when it is built.

    Pickles are read with the restricted unpickler (no code runs). Same
    arguments as mmaction2's, plus:

    Args:
        layout: the config's keypoint layout, a name in
            :data:`KEYPOINT_LAYOUTS` giving the joint count V and the
            coordinate dimension C that every sample must have.
        num_keypoints: V, when no ``layout`` is given (None: not checked).
        keypoint_dim: C (2 or 3), when no ``layout`` is given.
        skip_invalid: log and drop malformed samples instead of raising; their
            list goes to ``invalid_samples_<split or annotation file name>.txt``
            in the run's log dir.
        invalid_list_dir: where that list goes outside a Runner (default:
            the system temp dir).
        labels_hidden: the split's labels are placeholders (a challenge test
            split: MA-52, iMiGUE); a test run then computes no metric (set in
            ``metainfo``, read by ``HiddenLabelsHook``).
    """

    def __init__(self, *args, layout: Optional[str] = None,
                 num_keypoints: Optional[int] = None,
                 keypoint_dim: Optional[int] = None,
                 skip_invalid: bool = False,
                 invalid_list_dir: Optional[str] = None,
                 labels_hidden: bool = False, **kwargs) -> None:
        if layout is not None:
            if layout not in KEYPOINT_LAYOUTS:
                raise ValueError(f'layout {layout!r} is not one of '
                                 f'{sorted(KEYPOINT_LAYOUTS)}')
            num_keypoints, keypoint_dim = KEYPOINT_LAYOUTS[layout]
        self.layout = layout
        self.num_keypoints, self.keypoint_dim = num_keypoints, keypoint_dim
        self.skip_invalid = skip_invalid
        self.invalid_list_dir = invalid_list_dir
        if labels_hidden:
            kwargs['metainfo'] = dict(kwargs.get('metainfo') or {},
                                      labels_hidden=True)
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[Dict]:
        data_list = load_pose_annotations(self.ann_file, self.split)
        video_dir = self.data_prefix.get('video')
        if video_dir:
            for item in data_list:
                for key in ('filename', 'frame_dir'):
                    if key in item:
                        item[key] = osp.join(video_dir, item[key])
        return self._validated(data_list)

    def get_data_info(self, idx: int) -> Dict:
        """Stock behaviour; per-sample skeleton pickles load code-free."""
        info = BaseActionDataset.get_data_info(self, idx)
        if 'skeleton' in self.data_prefix:
            name = info.get('filename', info.get('frame_dir'))
            info.update(safe_load(
                osp.join(self.data_prefix['skeleton'], name + '.pkl')))
        return info

    def _validated(self, data_list: List[Dict]) -> List[Dict]:
        kept, skipped = [], []
        for index, anno in enumerate(data_list):
            try:
                self.check_sample(anno, index)
            except DataError as err:
                if not self.skip_invalid:
                    raise
                skipped.append(f'{sample_name(anno, index)}\t{err}')
                continue
            kept.append(anno)
        if skipped:
            self._report_skipped(skipped)
        return kept

    @cached_property
    def _nan_keypoints_zeroed(self) -> bool:
        return any(isinstance(t, NAN_ZEROING_TRANSFORMS)
                   for t in self.pipeline.transforms)

    def check_sample(self, anno: Dict, index: int) -> None:
        """Raise :class:`DataError` if one annotation is malformed."""
        check_pose_annotation(
            anno, self.ann_file, index, self.num_keypoints, self.num_classes,
            keypoint_dim=self.keypoint_dim,
            nan_keypoints_ok=self._nan_keypoints_zeroed,
            keypoint_files='skeleton' in self.data_prefix)

    def _report_skipped(self, skipped: List[str], append: bool = False) -> None:
        name = self.split or osp.splitext(osp.basename(self.ann_file))[0]
        report_skipped(self.ann_file, name, skipped, append,
                       self.invalid_list_dir)
