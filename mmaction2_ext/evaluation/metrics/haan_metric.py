"""Detection mAP of HAAN's test protocol (spec 4), with upstream's
``results.csv`` and ActivityNet-style json detections."""
import json
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import MessageHub

from mmaction.registry import METRICS
from ...submission import write_csv
from ...utils import atomic_write
from ..functional import detection_map, haan_evaluation_order


def _round(t: float) -> float:
    return float(round(float(t), 4))


@METRICS.register_module()
class HAANDetectionMetric(BaseMetric):
    """mAP (percent) over all ``num_classes`` fine classes at every tIoU.

    Args:
        tiou_thresholds: all thresholds; ``avg_mAP`` averages over all.
        report_thresholds: the ``mAP@t`` columns of ``results.csv``.
        out_dir: where ``results.csv`` (one row per evaluation, rewritten
            each time) and ``detections.json`` go; None keeps them in memory
            until ``MetricOutDirHook`` sets it.
        file_prefix: put before both file names (``MetricOutDirHook`` sets
            ``test_`` in test runs).
        write_files: set False to write nothing.

    The ``epoch`` column counts from 1, as the log and ``epoch_N.pth`` do:
    the epoch just trained, or ``self.epoch`` when set (the tested
    checkpoint's epoch, set by ``MetricOutDirHook``).
    """
    default_prefix = 'haan'

    def __init__(self, num_classes: int, tiou_thresholds: Sequence[float],
                 report_thresholds: Sequence[float],
                 out_dir: Optional[str] = None, file_prefix: str = '',
                 write_files: bool = True,
                 collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_classes = num_classes
        self.tiou_thresholds = [_round(t) for t in tiou_thresholds]
        self.report_thresholds = [_round(t) for t in report_thresholds]
        missing = set(self.report_thresholds) - set(self.tiou_thresholds)
        if missing:
            raise ValueError(f'report_thresholds {sorted(missing)} are not in '
                             'tiou_thresholds')
        self.out_dir, self.write_files = out_dir, write_files
        self.file_prefix = file_prefix
        self.epoch: Optional[int] = None
        self.rows: List[list] = []

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        results = sorted(results, key=lambda r: r['index'])
        detections, ground_truths = [], []
        for r in results:
            detections += [dict(d, video=r['index']) for d in r['detections']]
            ground_truths += [
                dict(video=r['index'], label=int(c), t_start=s, t_end=e)
                for c, (s, e) in zip(r['gt_labels'], r['gt_segments'])]
        out = detection_map(haan_evaluation_order(detections), ground_truths,
                            self.tiou_thresholds, self.num_classes)
        maps = dict(zip(self.tiou_thresholds, out['mAP'] * 100))
        metrics = {f'mAP@{t}': float(maps[t]) for t in self.report_thresholds}
        metrics['avg_mAP'] = out['avg_mAP'] * 100
        if self.write_files and self.out_dir is not None:
            self._write(results, metrics)
        return metrics

    def _epoch(self):
        """1-based epoch of the evaluated weights, '' when unknown."""
        if self.epoch is not None:
            return self.epoch
        # the message hub holds the 0-based index of the epoch last trained
        trained = MessageHub.get_current_instance().get_info('epoch')
        return '' if trained is None else trained + 1

    def _path(self, name: str) -> str:
        return osp.join(self.out_dir, self.file_prefix + name)

    def _write(self, results: list, metrics: dict) -> None:
        self.rows.append([self._epoch()] + list(metrics.values()))
        header = ['epoch'] + [f'mAP@{t}' for t in self.report_thresholds] + \
            ['avg.mAP']
        write_csv(self._path('results.csv'), self.rows, header)
        payload = dict(version='HAAN', external_data={}, results={
            r['video_name']: [
                dict(label=int(d['label']), score=float(d['score']),
                     segment=[float(d['t_start']), float(d['t_end'])])
                for d in r['detections']] for r in results})
        with atomic_write(self._path('detections.json'), 'w') as f:
            json.dump(payload, f)
