import math

import pytest
import torch
from torch.testing import assert_close

from lgd_mm.models.losses.soft_ce import SoftCrossEntropyLoss
from lgd_mm.registry import MODELS

LOGITS = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]
TARGET = [[0.2, 0.7, 0.1], [0.0, 0.25, 0.75]]


def _hand_losses():
    out = []
    for s, p in zip(LOGITS, TARGET):
        log_z = math.log(sum(math.exp(v) for v in s))
        out.append(-sum(pk * (sk - log_z) for sk, pk in zip(s, p)))
    return out


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_matches_hand_computation(reduction):
    loss_fn = SoftCrossEntropyLoss(loss_weight=2.0, reduction=reduction)
    loss = loss_fn(torch.tensor(LOGITS), torch.tensor(TARGET))
    per_sample = [2.0 * v for v in _hand_losses()]
    expected = {
        'mean': sum(per_sample) / 2,
        'sum': sum(per_sample),
        'none': per_sample
    }[reduction]
    assert loss.dtype == torch.float32
    assert_close(loss, torch.tensor(expected), rtol=1e-6, atol=1e-6)


def test_gradient_reaches_logits_only():
    logits = torch.tensor(LOGITS, requires_grad=True)
    target = torch.tensor(TARGET, requires_grad=True)
    MODELS.build(dict(type='SoftCrossEntropyLoss'))(logits, target).backward()
    assert target.grad is None
    # d/ds of mean soft CE = (softmax(s) - p) / B
    expected = (torch.tensor(LOGITS).softmax(1) - torch.tensor(TARGET)) / 2
    assert_close(logits.grad, expected)


def test_low_precision_inputs_give_fp32():
    loss_fn = SoftCrossEntropyLoss()
    loss = loss_fn(
        torch.tensor(LOGITS, dtype=torch.bfloat16),
        torch.tensor(TARGET, dtype=torch.float16))
    assert loss.dtype == torch.float32
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = loss_fn(torch.tensor(LOGITS), torch.tensor(TARGET))
    assert loss.dtype == torch.float32
    assert_close(loss, torch.tensor(sum(_hand_losses()) / 2))


def test_validation():
    loss_fn = SoftCrossEntropyLoss()
    with pytest.raises(ValueError, match='same'):
        loss_fn(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match='same'):
        loss_fn(torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match='reduction'):
        SoftCrossEntropyLoss(reduction='avg')
