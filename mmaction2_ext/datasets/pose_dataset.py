"""``PoseDataset`` with input validation and an opt-in ``skip_invalid``."""
import os.path as osp
from typing import Dict, List, Optional

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS
from ..utils import DataError, data_error
from .invalid import report_skipped
from .validation import check_pose_annotation, sample_name


@DATASETS.register_module(name='PoseDataset', force=True)
class CheckedPoseDataset(PoseDataset):
    """Stock ``PoseDataset`` that checks every annotation when it is built.

    Same arguments as mmaction2's, plus:

    Args:
        num_keypoints: V of the config's keypoint layout; samples with a
            different count are errors. None skips that check.
        skip_invalid: log and drop malformed samples instead of raising; their
            list goes to ``invalid_samples_<split or annotation file name>.txt``
            in the run's log dir.
    """

    def __init__(self, *args, num_keypoints: Optional[int] = None,
                 skip_invalid: bool = False, **kwargs) -> None:
        self.num_keypoints = num_keypoints
        self.skip_invalid = skip_invalid
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[Dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'annotation file {self.ann_file} does not exist')
        try:
            data_list = super().load_data_list()
        except KeyError as err:  # no 'split'/'annotations', unknown split
            raise data_error(self.ann_file, f'missing key {err.args[0]!r} '
                             f'(split={self.split!r})', field=err.args[0])
        if isinstance(data_list, dict):  # stock returns it as is
            raise data_error(self.ann_file, 'holds a split dict; set split= '
                             'or use a plain-list pickle')
        return self._validated(data_list)

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

    def check_sample(self, anno: Dict, index: int) -> None:
        """Raise :class:`DataError` if one annotation is malformed."""
        check_pose_annotation(anno, self.ann_file, index, self.num_keypoints,
                              self.num_classes)

    def _report_skipped(self, skipped: List[str], append: bool = False) -> None:
        name = self.split or osp.splitext(osp.basename(self.ann_file))[0]
        report_skipped(self.ann_file, name, skipped, append)
