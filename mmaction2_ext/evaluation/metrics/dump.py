"""``SafeDumpResults``: what ``tools/test.py --dump`` writes.

Stock ``DumpResults`` writes the pickle in place (a kill leaves half a file
under its final name) and keeps the ``num_classes`` that mmaction2's
``ActionDataSample.set_pred_score`` derives from the score's length: for a
dict of score sets (PCAN: ``rgb``, ``pose``, ``rgb_coarse``, ``pose_coarse``)
that is the number of sets (4), not of classes.
"""
from typing import Any, Sequence

from mmengine.evaluator import DumpResults
from mmengine.fileio import dump
from mmengine.logging import print_log

from mmaction.registry import METRICS
from ...engine.fileio import ATOMIC_BACKEND


@METRICS.register_module()
class SafeDumpResults(DumpResults):
    """``DumpResults`` written atomically; a record whose ``pred_score`` is a
    dict of score sets gets ``num_classes`` per set (``{'rgb': 52, ...}``)."""

    def process(self, data_batch: Any, predictions: Sequence[dict]) -> None:
        start = len(self.results)
        super().process(data_batch, predictions)
        for record in self.results[start:]:
            scores = record.get('pred_score')
            if isinstance(scores, dict):
                record['num_classes'] = {k: len(v) for k, v in scores.items()}

    def compute_metrics(self, results: list) -> dict:
        dump(results, self.out_file_path,
             backend_args=dict(backend=ATOMIC_BACKEND))
        print_log(f'Results has been saved to {self.out_file_path}.',
                  logger='current')
        return {}
