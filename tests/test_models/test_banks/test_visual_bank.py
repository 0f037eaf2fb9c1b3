import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from lgd_mm.models.banks.lgka_reference import lgka_update_loop
from lgd_mm.models.banks.visual_bank import VisualSemanticsBank
from lgd_mm.registry import MODELS


def _unit(n, d, seed=0):
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(n, d, generator=g), dim=1)


def test_init_buffers():
    bank = VisualSemanticsBank(num_classes=7, embed_dim=5)
    assert bank.prototypes.shape == (5, 7)
    assert bank.prototypes.dtype == torch.float32
    assert_close(bank.prototypes.norm(dim=0), torch.ones(7))
    assert bank.initialized.dtype == torch.bool
    assert not bank.initialized.any()
    assert bank.bank is bank.prototypes
    assert bank.fill_ratio().item() == 0.0
    assert set(bank.state_dict()) == {'prototypes', 'initialized'}


def test_build_from_registry():
    bank = MODELS.build(
        dict(type='VisualSemanticsBank', num_classes=3, embed_dim=2))
    assert isinstance(bank, VisualSemanticsBank)
    assert bank.momentum == 0.999


def test_first_fill_then_ema_and_absent_untouched():
    bank = VisualSemanticsBank(num_classes=4, embed_dim=3, momentum=0.9)
    before = bank.prototypes.clone()
    keys = _unit(3, 3, seed=1)
    labels = torch.tensor([2, 2, 0])
    bank.update(keys, labels)

    mu2 = (keys[0] + keys[1]) / 2
    assert torch.equal(bank.prototypes[:, 2], mu2)
    assert torch.equal(bank.prototypes[:, 0], keys[2])
    assert bank.initialized.tolist() == [True, False, True, False]
    # absent classes: bit-for-bit unchanged
    assert torch.equal(bank.prototypes[:, [1, 3]], before[:, [1, 3]])
    # no renormalisation: the mean of two non-parallel unit keys is shorter
    assert bank.prototypes[:, 2].norm() < 1 - 1e-3
    assert bank.fill_ratio().item() == pytest.approx(0.5)

    keys2 = _unit(2, 3, seed=2)
    bank.update(keys2, torch.tensor([2, 1]))
    assert_close(bank.prototypes[:, 2], 0.9 * mu2 + 0.1 * keys2[0])
    assert torch.equal(bank.prototypes[:, 1], keys2[1])  # first fill
    assert torch.equal(bank.prototypes[:, 0], keys[2])  # absent now
    assert torch.equal(bank.prototypes[:, 3], before[:, 3])
    assert bank.initialized.tolist() == [True, True, True, False]


def test_matches_loop_reference():
    torch.manual_seed(0)
    C, N, D, m = 1000, 512, 64, 0.999
    bank = VisualSemanticsBank(num_classes=C, embed_dim=D, momentum=m)
    # half of the classes already initialised with shortened prototypes
    bank.initialized[::2] = True
    bank.prototypes.mul_(0.7)
    # labels from a small range so that many classes get several keys,
    # covering initialised and uninitialised ones
    labels = torch.randint(0, 300, (N, ))
    keys = _unit(N, D, seed=3)
    assert torch.bincount(labels).max() > 1

    protos_in = bank.prototypes.clone()
    flags_in = bank.initialized.clone()
    ref_protos, ref_flags = lgka_update_loop(protos_in, flags_in, keys, labels,
                                             m)
    # the reference does not touch its inputs
    assert torch.equal(protos_in, bank.prototypes)
    assert torch.equal(flags_in, bank.initialized)

    bank.update(keys, labels)
    assert torch.equal(bank.initialized, ref_flags)
    assert_close(bank.prototypes, ref_protos, rtol=1e-6, atol=1e-7)
    absent = torch.bincount(labels, minlength=C) == 0
    assert torch.equal(bank.prototypes[:, absent], protos_in[:, absent])


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_keys(dtype):
    bank = VisualSemanticsBank(num_classes=5, embed_dim=8, momentum=0.5)
    keys = _unit(6, 8, seed=4).to(dtype)
    labels = torch.tensor([0, 0, 1, 3, 3, 3])
    bank.update(keys, labels)
    assert bank.prototypes.dtype == torch.float32
    ref, _ = lgka_update_loop(
        VisualSemanticsBank(5, 8).prototypes, torch.zeros(5, dtype=bool), keys,
        labels, 0.5)
    assert_close(bank.prototypes[:, [0, 1, 3]], ref[:, [0, 1, 3]])
    assert_close(bank.prototypes[:, 0], keys[:2].float().mean(0))


def test_state_dict_round_trip():
    bank = VisualSemanticsBank(num_classes=6, embed_dim=4)
    bank.update(_unit(4, 4, seed=5), torch.tensor([1, 1, 4, 5]))
    state = bank.state_dict()
    other = VisualSemanticsBank(num_classes=6, embed_dim=4)
    other.load_state_dict(state)
    assert torch.equal(other.prototypes, bank.prototypes)
    assert torch.equal(other.initialized, bank.initialized)
    assert other.fill_ratio().item() == pytest.approx(0.5)


def test_input_validation_and_empty_batch():
    bank = VisualSemanticsBank(num_classes=3, embed_dim=2)
    before = bank.prototypes.clone()
    bank.update(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))
    assert torch.equal(bank.prototypes, before)
    with pytest.raises(ValueError):
        bank.update(torch.zeros(2, 5), torch.tensor([0, 1]))
    with pytest.raises(ValueError):
        bank.update(torch.zeros(2, 2), torch.tensor([0]))
    with pytest.raises(ValueError):
        bank.update(torch.zeros(2, 2), torch.tensor([0, 3]))
    with pytest.raises(TypeError):
        bank.update(torch.zeros(2, 2), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError):
        VisualSemanticsBank(num_classes=3, embed_dim=2, momentum=1.5)


@pytest.mark.parametrize('present_only', [True, False])
@pytest.mark.parametrize('num_classes,batch', [(10, 64), (1000, 64),
                                               (21843, 300)])
def test_both_update_paths_match_the_loop(monkeypatch, present_only,
                                          num_classes, batch):
    """Rows of the classes present only (CPU, few classes present) and all
    rows (accelerators, or most classes present) give the loop's bank."""
    if not present_only:
        monkeypatch.setattr(VisualSemanticsBank, 'present_only_devices', ())
    torch.manual_seed(1)
    bank = VisualSemanticsBank(num_classes, 8, momentum=0.9)
    bank.initialized[::3] = True
    keys = _unit(batch, 8, seed=6)
    labels = torch.randint(0, num_classes, (batch, ))
    ref, ref_flags = lgka_update_loop(bank.prototypes, bank.initialized,
                                      keys, labels, 0.9)
    absent = torch.bincount(labels, minlength=num_classes) == 0
    before = bank.prototypes[:, absent].clone()
    bank.update(keys, labels)
    assert torch.equal(bank.initialized, ref_flags)
    assert_close(bank.prototypes, ref, rtol=1e-6, atol=1e-7)
    assert torch.equal(bank.prototypes[:, absent], before)


def test_prototypes_keep_row_storage_through_state_dict():
    """``prototypes`` is (D, C) for checkpoints and a view of (C, D) rows;
    loading a plain (D, C) tensor keeps the row layout."""
    bank = VisualSemanticsBank(num_classes=5, embed_dim=3)
    assert bank.prototypes.shape == (3, 5)
    assert bank.prototypes.t().is_contiguous()
    plain = torch.randn(3, 5)
    bank.load_state_dict(dict(prototypes=plain,
                              initialized=torch.ones(5, dtype=torch.bool)))
    assert torch.equal(bank.prototypes, plain)
    assert bank.prototypes.t().is_contiguous()
    bank.prototypes = plain.clone()  # replaced from outside: re-laid out
    bank.update(_unit(2, 3, seed=7), torch.tensor([0, 4]))
    assert bank.prototypes.t().is_contiguous()
    assert torch.equal(bank.prototypes[:, 1:4], plain[:, 1:4])
