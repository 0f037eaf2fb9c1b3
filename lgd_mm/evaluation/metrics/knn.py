"""Weighted k-nearest-neighbour accuracy of frozen features.

mmpretrain has no kNN classifier for frozen features (its
``ImageToImageRetriever`` scores every query against every gallery image
with a broadcast ``cosine_similarity``, far too big for ImageNet). The pieces
here are plain mmengine ones:

* :class:`KNNTestLoop` (a ``TestLoop``) embeds a *memory* dataloader (the
  training set) and the test set with ``model.extract_feat`` and feeds the
  features to the evaluator, so ``tools/test.py``, ``dist_test.sh`` and
  ``tools/benchmark.py`` run kNN like any other test;
* :class:`KNNAccuracy` (a ``BaseMetric``) votes with the k nearest memories
  (cosine similarity, chunked matmul), each weighted by ``exp(sim / T)``
  (InstDisc / DINO: k=20, T=0.07).
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.dist import collect_results, is_main_process
from mmengine.evaluator import BaseMetric
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop
from torch.utils.data import DataLoader

from lgd_mm.registry import LOOPS, METRICS

__all__ = ['weighted_knn', 'extract_features', 'KNNAccuracy', 'KNNTestLoop']


@torch.no_grad()
def weighted_knn(query: torch.Tensor,
                 memory: torch.Tensor,
                 memory_labels: torch.Tensor,
                 num_classes: int,
                 k: int = 20,
                 temperature: float = 0.07,
                 chunk_size: int = 1024) -> torch.Tensor:
    """Class scores of ``query`` by weighted voting of its nearest memories.

    Args:
        query (Tensor): (Q, D) L2-normalised query features.
        memory (Tensor): (N, D) L2-normalised memory features.
        memory_labels (Tensor): (N, ) memory labels in ``[0, num_classes)``.
        num_classes (int): Number of classes.
        k (int): Neighbours per query (capped at N). Defaults to 20.
        temperature (float): Vote weight ``exp(sim / temperature)``.
            Defaults to 0.07.
        chunk_size (int): Queries per matmul, to bound memory use.

    Returns:
        Tensor: (Q, num_classes) fp32 class scores on ``memory``'s device.
    """
    if query.dim() != 2 or memory.dim() != 2 or \
            query.size(1) != memory.size(1):
        raise ValueError('weighted_knn expects query (Q, D) and memory '
                         f'(N, D), got {tuple(query.shape)} and '
                         f'{tuple(memory.shape)}')
    if memory.size(0) != memory_labels.numel():
        raise ValueError(f'{memory.size(0)} memory features but '
                         f'{memory_labels.numel()} labels')
    k = min(k, memory.size(0))
    labels = memory_labels.to(memory.device).long()
    scores = []
    for start in range(0, query.size(0), chunk_size):
        q = query[start:start + chunk_size].to(memory)
        sim, idx = (q @ memory.t()).float().topk(k, dim=1)
        weights = (sim / temperature).exp()
        votes = torch.zeros(q.size(0), num_classes, device=memory.device)
        votes.scatter_add_(1, labels[idx], weights)
        scores.append(votes)
    return torch.cat(scores) if scores else torch.zeros(0, num_classes)


def _features(model, data_batch: dict) -> Tuple[torch.Tensor, List]:
    """Normalised pooled features and data samples of one batch."""
    data = model.data_preprocessor(data_batch, False)
    feats = model.extract_feat(data['inputs'])
    if isinstance(feats, (tuple, list)):
        feats = feats[-1]
    if feats.dim() > 2:  # a backbone map without a pooling neck
        feats = feats.flatten(2).mean(-1)
    return F.normalize(feats.float(), dim=1), data['data_samples']


@torch.no_grad()
def extract_features(
        model,
        dataloader: DataLoader) -> Optional[Tuple[torch.Tensor, torch.Tensor]]:
    """Features and labels of a whole (possibly sharded) dataset.

    Args:
        model: A model with ``data_preprocessor`` and ``extract_feat``
            (e.g. mmpretrain's ``ImageClassifier``); wrappers are unwrapped.
        dataloader (DataLoader): Its sampler must not shuffle, so that
            ``collect_results`` restores dataset order across ranks.

    Returns:
        tuple | None: ``(feats (N, D) fp16 on CPU, labels (N, ))`` on the
        main process, None on the others.
    """
    if is_model_wrapper(model):
        model = model.module
    model.eval()
    part = []
    for data_batch in dataloader:
        feats, samples = _features(model, data_batch)
        for feat, sample in zip(feats.half().cpu(), samples):
            part.append((feat, int(sample.gt_label)))
    results = collect_results(part, len(dataloader.dataset))
    if not is_main_process():
        return None
    feats = torch.stack([f for f, _ in results])
    labels = torch.tensor([label for _, label in results])
    return feats, labels


@METRICS.register_module()
class KNNAccuracy(BaseMetric):
    """Top-k accuracy of weighted kNN voting against a feature memory.

    Each processed sample is a dict with ``feat`` (an L2-normalised feature)
    and ``gt_label``; the memory comes from :meth:`set_memory`
    (:class:`KNNTestLoop` fills it from its memory dataloader). Reports
    ``{prefix}/top1`` (and other ``topk``) in percent.

    Args:
        k (int): Neighbours that vote. Defaults to 20.
        temperature (float): Vote weight ``exp(sim / T)``. Defaults to 0.07.
        topk (int | Sequence[int]): Accuracies to report. Defaults to 1.
        num_classes (int, optional): Defaults to the largest memory label
            + 1.
        chunk_size (int): Queries per similarity matmul. Defaults to 1024.
        device (str, optional): Where to vote; defaults to CUDA when
            available (ImageNet's memory is 1.28M features).
        collect_device (str): 'cpu' or 'gpu' for cross-rank collection.
        prefix (str, optional): Defaults to 'knn'.
    """
    default_prefix: Optional[str] = 'knn'

    def __init__(self,
                 k: int = 20,
                 temperature: float = 0.07,
                 topk: Union[int, Sequence[int]] = 1,
                 num_classes: Optional[int] = None,
                 chunk_size: int = 1024,
                 device: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if k < 1 or temperature <= 0:
            raise ValueError(f'need k >= 1 and temperature > 0, got k={k}, '
                             f'temperature={temperature}')
        self.k = k
        self.temperature = temperature
        self.topk = (topk, ) if isinstance(topk, int) else tuple(topk)
        self.num_classes = num_classes
        self.chunk_size = chunk_size
        self.device = device or ('cuda'
                                 if torch.cuda.is_available() else 'cpu')
        self.memory: Optional[Tuple[torch.Tensor, torch.Tensor]] = None

    def set_memory(self, feats: Optional[torch.Tensor],
                   labels: Optional[torch.Tensor]) -> None:
        """Set the (N, D) memory features and (N, ) labels (None on
        non-main ranks, which do not compute metrics)."""
        self.memory = None if feats is None else (feats, labels)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(
                dict(
                    feat=sample['feat'].half().cpu(),
                    gt=int(sample['gt_label'])))

    def compute_metrics(self, results: List[dict]) -> dict:
        if self.memory is None:
            raise RuntimeError('KNNAccuracy has no memory: call set_memory '
                               '(KNNTestLoop does it) before evaluating')
        if not results:
            raise ValueError('KNNAccuracy got no test features')
        feats, labels = self.memory
        num_classes = self.num_classes or int(labels.max()) + 1
        query = torch.stack([r['feat'] for r in results]).float()
        gt = torch.tensor([r['gt'] for r in results])
        memory = feats.to(self.device, torch.float32)
        scores = weighted_knn(query, memory, labels, num_classes, self.k,
                              self.temperature, self.chunk_size).cpu()
        metrics = {}
        ranked = scores.topk(min(max(self.topk), num_classes), dim=1)[1]
        for k in self.topk:
            hit = (ranked[:, :k] == gt[:, None]).any(dim=1)
            metrics[f'top{k}'] = hit.float().mean().item() * 100
        return metrics


@LOOPS.register_module()
class KNNTestLoop(TestLoop):
    """Test loop that evaluates frozen features with kNN.

    Before the usual test pass it embeds ``memory_dataloader`` (the
    training set with the test pipeline) and hands the features to every
    metric with a ``set_memory`` method (:class:`KNNAccuracy`). Test
    batches are embedded the same way and passed on as
    ``dict(feat=..., gt_label=...)`` samples. The model needs
    ``data_preprocessor`` and ``extract_feat`` (mmpretrain's
    ``ImageClassifier`` with a pooling neck; its head is not used).

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The test (query) set.
        evaluator (Evaluator | dict | list): Holds :class:`KNNAccuracy`.
        memory_dataloader (DataLoader | dict): The memory set; its sampler
            must not shuffle.
        fp16 (bool): Autocast the forward passes. Defaults to False.
    """

    def __init__(self,
                 runner,
                 dataloader,
                 evaluator,
                 memory_dataloader,
                 fp16: bool = False):
        super().__init__(runner, dataloader, evaluator, fp16)
        if isinstance(memory_dataloader, dict):
            memory_dataloader = runner.build_dataloader(
                memory_dataloader, seed=runner.seed)
        self.memory_dataloader = memory_dataloader

    def _model(self):
        model = self.runner.model
        return model.module if is_model_wrapper(model) else model

    def _autocast(self):
        device = self._model().data_preprocessor.device.type
        return torch.autocast(device_type=device, enabled=self.fp16)

    def run(self) -> dict:
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        self.runner.model.eval()
        with self._autocast():
            memory = extract_features(self._model(), self.memory_dataloader)
        for metric in self.evaluator.metrics:
            if hasattr(metric, 'set_memory'):
                metric.set_memory(*(memory or (None, None)))
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics

    @torch.no_grad()
    def run_iter(self, idx, data_batch: dict) -> None:
        self.runner.call_hook(
            'before_test_iter', batch_idx=idx, data_batch=data_batch)
        with self._autocast():
            feats, samples = _features(self._model(), data_batch)
        outputs = [
            dict(feat=feat, gt_label=sample.gt_label)
            for feat, sample in zip(feats, samples)
        ]
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook(
            'after_test_iter',
            batch_idx=idx,
            data_batch=data_batch,
            outputs=outputs)
