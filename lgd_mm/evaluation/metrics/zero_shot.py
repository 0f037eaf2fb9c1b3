"""Zero-shot top-1 of a distilled student (and its teacher)."""
from typing import List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from lgd_mm.registry import METRICS


@METRICS.register_module()
class ZeroShotAccuracy(BaseMetric):
    """Top-1 accuracy of zero-shot predictions over a text bank (LGD §3).

    Reads ``pred_label`` (the student's argmax of ``z_S . L``) and, when the
    model stores it, ``teacher_pred_label`` (the teacher's), against
    ``gt_label``. Reports ``{prefix}/top1`` and ``{prefix}/teacher_top1`` in
    percent; the teacher figure is the ceiling the student is chasing.

    Args:
        collect_device (str): 'cpu' or 'gpu' for cross-rank collection.
        prefix (str, optional): Metric name prefix. Defaults to
            'zero_shot'.
    """
    default_prefix: Optional[str] = 'zero_shot'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'gt_label' not in sample:
                raise KeyError('ZeroShotAccuracy needs gt_label in the data '
                               'samples; is the val set labelled?')
            result = dict(
                pred=int(sample['pred_label']),
                gt=int(sample['gt_label']))
            if 'teacher_pred_label' in sample:
                result['teacher'] = int(sample['teacher_pred_label'])
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> dict:
        if not results:
            raise ValueError('ZeroShotAccuracy got no predictions')
        gt = torch.tensor([r['gt'] for r in results])
        pred = torch.tensor([r['pred'] for r in results])
        metrics = dict(top1=(pred == gt).float().mean().item() * 100)
        if all('teacher' in r for r in results):
            teacher = torch.tensor([r['teacher'] for r in results])
            metrics['teacher_top1'] = (
                teacher == gt).float().mean().item() * 100
        return metrics
