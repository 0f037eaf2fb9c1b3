"""Weighted kNN: voting against a brute-force reference, and the metric."""
import pytest
import torch
import torch.nn.functional as F

from lgd_mm.evaluation import KNNAccuracy
from lgd_mm.evaluation.metrics.knn import weighted_knn


def _reference(query, memory, labels, num_classes, k, t):
    scores = torch.zeros(len(query), num_classes)
    for i, q in enumerate(query):
        sims = memory @ q
        order = sorted(range(len(memory)), key=lambda j: -float(sims[j]))
        for j in order[:k]:
            scores[i, labels[j]] += torch.exp(sims[j] / t)
    return scores


def test_weighted_knn_matches_brute_force():
    gen = torch.Generator().manual_seed(0)
    memory = F.normalize(torch.randn(50, 8, generator=gen), dim=1)
    query = F.normalize(torch.randn(7, 8, generator=gen), dim=1)
    labels = torch.randint(0, 5, (50, ), generator=gen)
    got = weighted_knn(
        query, memory, labels, 5, k=6, temperature=0.07, chunk_size=3)
    assert torch.allclose(
        got, _reference(query, memory, labels, 5, 6, 0.07), rtol=1e-4)
    # k larger than the memory: every memory votes
    assert weighted_knn(query, memory[:4], labels[:4], 5, k=20).shape == (7, 5)
    with pytest.raises(ValueError, match='memory features but'):
        weighted_knn(query, memory, labels[:3], 5)


def test_knn_accuracy_metric():
    centers = F.normalize(torch.eye(4)[:, :4] + 0.01, dim=1)
    memory = centers.repeat_interleave(5, 0)
    labels = torch.arange(4).repeat_interleave(5)
    metric = KNNAccuracy(k=3, topk=(1, 2))
    metric.set_memory(memory.half(), labels)
    # three queries near their class centre, one near class 3 labelled 0
    queries = [(centers[c] + 0.01, c) for c in range(3)] + [(centers[3], 0)]
    metric.process(
        None, [dict(feat=f, gt_label=torch.tensor([c])) for f, c in queries])
    result = metric.evaluate(4)
    assert result['knn/top1'] == pytest.approx(75.0)
    with pytest.raises(RuntimeError, match='no memory'):
        empty = KNNAccuracy()
        empty.process(None, [dict(feat=centers[0], gt_label=0)])
        empty.evaluate(1)
