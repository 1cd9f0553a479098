"""Labels the model head cannot score stop the run before it starts.

A label >= the head's class count is otherwise an IndexError (or a CUDA
assert) somewhere mid-epoch. Datasets do not know the head, so this hook
compares every dataset's labels with it before training, validation and
testing, and the config's ``label_file`` (its class names) too.
"""
import os.path as osp
from typing import Iterator, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmaction.registry import HOOKS
from ...utils import data_error, missing_file

#: where a model keeps its class count (first found wins)
NUM_CLASSES_ATTRS = ('cls_head.num_classes',
                     'fine_level_classifier.out_layer.out_features')  # HAAN
#: per-sample integer class ids (single-label, multi-label, HAAN)
LABEL_KEYS = ('label', 'gt_labels')


def model_num_classes(model) -> Optional[int]:
    """The head's class count, or None for a model without one."""
    if is_model_wrapper(model):
        model = model.module
    for path in NUM_CLASSES_ATTRS:
        obj = model
        for name in path.split('.'):
            obj = getattr(obj, name, None)
        if isinstance(obj, int):
            return obj
    return None


def base_datasets(dataset) -> Iterator:
    """The datasets inside Concat/Repeat/ClassBalanced wrappers."""
    inner = getattr(dataset, 'datasets', None)
    if inner is None and hasattr(dataset, 'dataset'):
        inner = [dataset.dataset]
    if inner is None:
        yield dataset
        return
    for child in inner:
        yield from base_datasets(child)


def class_ids(info: dict) -> np.ndarray:
    for key in LABEL_KEYS:
        if key in info:
            ids = np.atleast_1d(np.asarray(info[key]))
            if ids.dtype.kind in 'iu':  # not one-hot / soft label vectors
                return ids
    return np.zeros(0, dtype=np.int64)


def check_labels(dataset, num_classes: int) -> None:
    """Raise a DataError naming the file, sample and label of the first
    label outside ``[0, num_classes)``."""
    if not isinstance(dataset, BaseDataset):
        return
    dataset.full_init()
    for index in range(len(dataset)):
        # mmengine's plain lookup: no per-sample files are read
        info = BaseDataset.get_data_info(dataset, index)
        ids = class_ids(info)
        bad = ids[(ids < 0) | (ids >= num_classes)]
        if len(bad):
            source = dataset.ann_file or type(dataset).__name__
            name = next((info[k] for k in ('frame_dir', 'filename',
                                           'video_name') if k in info), None)
            sample = f'#{index} ({name})' if name is not None else index
            raise data_error(source, f'label {int(bad[0])} is out of range '
                             f'for the model head ({num_classes} classes)',
                             sample, 'label')


def check_label_file(label_file: Optional[str], num_classes: int) -> None:
    """A config's ``label_file`` (e.g. the label map of one's own data set)
    must name as many classes as the head scores."""
    from ...datasets.labels import BUILTIN, read_class_names
    if not label_file or label_file in BUILTIN:
        return
    if not osp.isfile(label_file):
        raise missing_file('label_file', label_file, 'the config key '
                           'label_file: the class names, one per line')
    names = read_class_names(label_file)
    if len(names) != num_classes:
        raise data_error(label_file, f'{len(names)} classes, but the model '
                         f'head has {num_classes}: train with --cfg-options '
                         f'model.cls_head.num_classes={len(names)}',
                         field='label_file')


@HOOKS.register_module()
class LabelRangeHook(Hook):
    """Check the labels of every dataset a loop uses against the model head
    (once per dataset) before the loop starts."""

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._checked = set()

    def _check(self, runner, loops) -> None:
        num_classes = model_num_classes(runner.model)
        if num_classes is None:
            return
        check_label_file(runner.cfg.get('label_file'), num_classes)
        for loop in loops:
            loader = getattr(loop, 'dataloader', None)
            if loader is None:
                continue
            for dataset in base_datasets(loader.dataset):
                if id(dataset) not in self._checked:
                    check_labels(dataset, num_classes)
                    self._checked.add(id(dataset))

    def before_train(self, runner) -> None:
        self._check(runner, [runner.train_loop, runner.val_loop])

    def before_val(self, runner) -> None:
        self._check(runner, [runner.val_loop])

    def before_test(self, runner) -> None:
        self._check(runner, [runner.test_loop])
