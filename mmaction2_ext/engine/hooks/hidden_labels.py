"""A test split whose labels are hidden gets no metric, not a wrong one.

Challenge test splits (MA-52, iMiGUE) ship placeholder labels (all 0): any
accuracy or F1 computed on them means nothing. A dataset declares this with
``labels_hidden=True`` (pose datasets) or ``metainfo=dict(labels_hidden=True)``
(any dataset); the test run then says so in one log line and keeps only the
label-free outputs (``--dump``). A split whose labels are all one value while
the head has many classes, and that is not so declared, gets a warning.
"""
import logging

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.evaluator import DumpResults
from mmengine.hooks import Hook

from mmaction.registry import HOOKS
from .label_range import base_datasets, class_ids, model_num_classes

#: metrics that need no labels (they write the predictions out)
LABEL_FREE_METRICS = (DumpResults, )


def _source(dataset) -> str:
    return getattr(dataset, 'ann_file', None) or type(dataset).__name__


def hidden_labels_message(source: str) -> str:
    """What a test on a hidden-label split says instead of a metric
    (``tools/test.py`` logs it, ``tools/analysis/eval_metric.py`` stops with
    it); ``source`` names the split (its annotation file)."""
    return (f'labels of {source} are hidden (labels_hidden=True): no metric '
            'is computed; score the --dump file with the submission tools')


def single_label(dataset) -> int:
    """The one class id every sample of ``dataset`` has, else -1."""
    if not isinstance(dataset, BaseDataset) or len(dataset) < 2:
        return -1
    ids = np.concatenate([class_ids(BaseDataset.get_data_info(dataset, i))
                          for i in range(len(dataset))])
    return int(ids[0]) if len(ids) and (ids == ids[0]).all() else -1


@HOOKS.register_module()
class HiddenLabelsHook(Hook):
    """Drop the label metrics of a test run on a hidden-label split; warn
    when a test split looks hidden (one label value) but is not declared."""

    priority = 'VERY_HIGH'

    def before_test(self, runner) -> None:
        loop = runner.test_loop
        datasets = list(base_datasets(loop.dataloader.dataset))
        hidden = [d for d in datasets
                  if getattr(d, 'metainfo', {}).get('labels_hidden')]
        if hidden:
            evaluator = loop.evaluator
            evaluator.metrics = [m for m in evaluator.metrics
                                 if isinstance(m, LABEL_FREE_METRICS)]
            runner.logger.info(hidden_labels_message(_source(hidden[0])))
            return
        num_classes = model_num_classes(runner.model) or 0
        for dataset in datasets:
            label = single_label(dataset) if num_classes > 1 else -1
            if label >= 0:
                runner.logger.log(
                    logging.WARNING,
                    f'every label of {_source(dataset)} is {label} while the '
                    f'model has {num_classes} classes: if its labels are '
                    'hidden, set labels_hidden=True in the test dataset '
                    'config; the metrics below then mean nothing')
