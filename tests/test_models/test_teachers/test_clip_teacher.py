"""CLIPTeacher: frozen, eval-locked, out of checkpoints, (B, D) output."""
import pytest
import torch
from torch import nn

from lgd_mm.models.teachers import CLIPTeacher


@pytest.mark.parametrize('arch', ['lgd-tiny-rn', 'lgd-tiny-vit'])
def test_embeddings_are_b_by_d_and_normalised(arch):
    teacher = CLIPTeacher(model_name=arch)
    x = torch.randn(3, 3, 32, 32)
    z = teacher(x)
    assert z.shape == (3, teacher.embed_dim) == (3, 32)
    assert z.dtype == torch.float32
    torch.testing.assert_close(z.norm(dim=1), torch.ones(3))
    # samples are not mixed up (the ViT [0]-indexing bug of the original
    # would give one sample's embedding for all)
    z1 = teacher(x[1:2])
    torch.testing.assert_close(z[1:2], z1, atol=1e-5, rtol=1e-5)
    assert not torch.allclose(z[0], z[1])


def test_frozen_eval_locked_and_not_in_state_dict():
    teacher = CLIPTeacher(model_name='lgd-tiny-rn')
    parent = nn.Module()
    parent.student = nn.Linear(4, 4)
    parent.teacher = teacher
    parent.train()
    assert not teacher.training and not teacher.clip.training
    assert all(not m.training for m in teacher.clip.modules())
    assert all(not p.requires_grad for p in teacher.clip.parameters())
    # only the student's tensors are state; the teacher is not
    assert set(parent.state_dict()) == {'student.weight', 'student.bias'}
    assert [n for n, _ in parent.named_parameters()] == [
        'student.weight', 'student.bias'
    ]
    # strict loading of such a checkpoint works
    parent.load_state_dict(parent.state_dict(), strict=True)
    # no gradient flows into the teacher
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    assert not teacher(x).requires_grad


def test_dtype_and_resize():
    teacher = CLIPTeacher(model_name='lgd-tiny-rn', dtype='bf16')
    z = teacher(torch.randn(2, 3, 48, 48))  # resized to the tower's 32 px
    assert z.shape == (2, 32) and z.dtype == torch.float32
    strict = CLIPTeacher(model_name='lgd-tiny-rn', resize_input=False)
    with pytest.raises(ValueError, match='expects'):
        strict(torch.randn(2, 3, 48, 48))
    with pytest.raises(ValueError, match='dtype'):
        CLIPTeacher(model_name='lgd-tiny-rn', dtype='float16')


def test_unknown_weights_are_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pt'):
        CLIPTeacher(model_name='lgd-tiny-rn',
                    pretrained=str(tmp_path / 'nope.pt'))


def test_local_checkpoint_weights_are_loaded(tmp_path):
    src = CLIPTeacher(model_name='lgd-tiny-rn')
    path = tmp_path / 'toy_clip.pt'
    torch.save(src.clip.state_dict(), path)
    loaded = CLIPTeacher(model_name='lgd-tiny-rn', pretrained=str(path))
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(src(x), loaded(x))


def test_drop_text_tower():
    teacher = CLIPTeacher(model_name='lgd-tiny-rn')
    n_before = sum(p.numel() for p in teacher.clip.parameters())
    teacher.drop_text_tower()
    n_after = sum(p.numel() for p in teacher.clip.parameters())
    visual = sum(p.numel() for p in teacher.clip.visual.parameters())
    assert n_after < n_before
    # what is left is the image tower (+ the logit scale)
    assert n_after - visual <= 2
    assert teacher(torch.randn(1, 3, 32, 32)).shape == (1, 32)
