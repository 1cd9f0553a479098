"""MA-52 validation metric: the official benchmark numbers on the fused
scores plus RGB / Pose / fused accuracies (the fork's AccMetric keys)."""
from typing import Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmaction.evaluation.functional import (mean_class_accuracy,
                                            top_k_accuracy)
from mmaction.registry import METRICS

from ..functional import ma52_metrics

FUSIONS = ((1, 1), (2, 1), (1, 2))


@METRICS.register_module()
class MA52Metric(BaseMetric):
    """Scores come from ``pred_score = {'rgb', 'pose', 'rgb_coarse',
    'pose_coarse'}`` (clip-averaged probabilities). The benchmark numbers use
    ``(rgb + pose) / 2`` and ``(rgb_coarse + pose_coarse) / 2`` ranked by
    ``torch.topk``, as the official submission script. Keys:
    ``ma52/F1_mean``, ``ma52/action_top1``, ..., ``ma52/rgb_top1``,
    ``ma52/RGBPose_1:1_top1``, ...
    """
    default_prefix = 'ma52'

    def __init__(self, collect_device: str = 'cpu', prefix: str = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            scores = sample['pred_score']
            self.results.append({
                'label': int(sample['gt_label'].item()),
                **{k: scores[k].cpu().numpy() for k in
                   ('rgb', 'pose', 'rgb_coarse', 'pose_coarse')}})

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        labels = np.array([r['label'] for r in results])
        s = {k: np.stack([r[k] for r in results])
             for k in ('rgb', 'pose', 'rgb_coarse', 'pose_coarse')}
        metrics = ma52_metrics((s['rgb'] + s['pose']) / 2,
                               (s['rgb_coarse'] + s['pose_coarse']) / 2, labels)
        for name, scores in [('rgb', s['rgb']), ('pose', s['pose'])] + [
                (f'RGBPose_{w}:{v}', w * s['rgb'] + v * s['pose'])
                for w, v in FUSIONS]:
            # the fork's AccMetric keys: stock top_k_accuracy, whose
            # np.argsort ranks tied scores its own way
            top1, top5 = top_k_accuracy(scores, labels, (1, 5))
            metrics[f'{name}_top1'] = float(top1)
            metrics[f'{name}_top5'] = float(top5)
            metrics[f'{name}_mean1'] = float(mean_class_accuracy(scores, labels))
        return metrics
