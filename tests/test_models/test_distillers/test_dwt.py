"""DWT pieces: function-preserving ParamRemap, the generic backbone
teacher and the loss-weight schedule."""
import copy

import pytest
import torch
from mmengine.model import BaseModule

from lgd_mm.engine.hooks import LossWeightScheduleHook
from lgd_mm.registry import MODELS


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    """A ResNet-18 'classifier' checkpoint with non-trivial BN stats."""
    torch.manual_seed(0)
    net = MODELS.build(dict(type='ResNet', depth=18))
    net.init_weights()
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    path = tmp_path_factory.mktemp('dwt') / 'r18.pth'
    state = {f'backbone.{k}': v for k, v in net.state_dict().items()}
    state['head.fc.weight'] = torch.zeros(16, 512)
    torch.save(dict(state_dict=state), path)
    return str(path), net


def _remapped(ckpt, **arch):
    student = MODELS.build(
        dict(
            type='ResNet',
            init_cfg=dict(type='ParamRemap', checkpoint=ckpt),
            **arch))
    student.init_weights()
    return student


@pytest.mark.parametrize('train', [False, True])
def test_deeper_student_computes_the_teachers_function(teacher_ckpt, train):
    path, teacher = teacher_ckpt[0], copy.deepcopy(teacher_ckpt[1])
    student = _remapped(path, depth=34)  # zero_init_residual stays on
    x = torch.randn(2, 3, 32, 32)
    teacher.train(train)
    student.train(train)
    with torch.no_grad():
        # BN batch statistics (train) and running statistics (eval) alike
        torch.testing.assert_close(
            student(x)[-1], teacher(x)[-1], rtol=1e-5, atol=1e-5)
    # an appended identity block: zero last-BN scale, random convs
    assert not student.layer3[5].bn2.weight.any()
    assert student.layer3[5].conv1.weight.abs().sum() > 0
    torch.testing.assert_close(student.layer3[1].conv2.weight,
                               teacher.layer3[1].conv2.weight)


def test_wider_and_deeper_student_replicates_teacher_channels(teacher_ckpt):
    path, teacher = teacher_ckpt[0], copy.deepcopy(teacher_ckpt[1])
    student = _remapped(path, depth=34, base_channels=96, stem_channels=96)
    teacher.eval()
    student.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        f_t, f_s = teacher(x)[-1], student(x)[-1]
    assert f_s.shape[1] == 768
    torch.testing.assert_close(f_s[:, :512], f_t, rtol=1e-4, atol=1e-4)
    # every added channel is a replica of some teacher channel
    dist = torch.cdist(f_s[:, 512:].transpose(0, 1).flatten(1),
                       f_t.transpose(0, 1).flatten(1))
    assert dist.min(dim=1).values.max() < 1e-2


def test_param_remap_rejects_other_block_types(teacher_ckpt):
    with pytest.raises(ValueError, match='same ResNet block type'):
        _remapped(teacher_ckpt[0], depth=50)


def test_backbone_teacher_loads_checkpoint_and_stays_frozen(teacher_ckpt):
    path, net = teacher_ckpt[0], copy.deepcopy(teacher_ckpt[1])
    teacher = MODELS.build(
        dict(
            type='MMPretrainTeacher',
            backbone=dict(type='ResNet', depth=18),
            checkpoint=path))
    teacher.train()
    assert not teacher.training and not teacher.model.training
    assert teacher.embed_dim == 512 and teacher.model_name == 'ResNet-18'
    assert len(teacher.state_dict()) == 0  # not in checkpoints
    x = torch.randn(2, 3, 32, 32)
    net.eval()
    with torch.no_grad():
        expected = torch.nn.functional.normalize(net(x)[-1].mean((2, 3)))
    torch.testing.assert_close(teacher(x), expected)
    assert not any(p.requires_grad for p in teacher.model.parameters())


class _Model(BaseModule):

    def __init__(self):
        super().__init__()
        self.teacher_loss_weight = 1.0
        self.head = BaseModule()
        self.head.vis_weight = 0.5


class _Runner:
    """What the hook reads from a runner."""

    def __init__(self, model, max_epochs=10):
        from mmengine.logging import MessageHub
        self.model, self.max_epochs, self.max_iters = model, max_epochs, 100
        self.epoch = self.iter = 0
        self.message_hub = MessageHub.get_instance('dwt-test')


@pytest.mark.parametrize('cfg,expected', [
    (dict(), [1.0] * 4),
    (dict(schedule='linear', value=1.0, end_value=0.0, begin=2,
          end=6), [1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]),
    (dict(schedule='step', value=1.0, end_value=0.0,
          end=3), [1.0, 1.0, 1.0, 0.0, 0.0]),
])
def test_schedule_hook_sets_what_it_logs(cfg, expected):
    model = _Model()
    runner = _Runner(model)
    hook = LossWeightScheduleHook(**cfg)
    hook.before_train(runner)
    for epoch, weight in enumerate(expected):
        runner.epoch = epoch
        hook.before_train_iter(runner, 0)
        assert model.teacher_loss_weight == pytest.approx(weight)
        logged = runner.message_hub.get_scalar('train/teacher_weight')
        assert logged.current() == model.teacher_loss_weight


def test_schedule_hook_nested_attr_by_iter_and_errors():
    model = _Model()
    runner = _Runner(model)
    hook = LossWeightScheduleHook(
        attr='head.vis_weight',
        schedule='linear',
        value=0.5,
        end_value=1.0,
        by_epoch=False)
    runner.iter = 50
    hook.before_train_iter(runner, 0)
    assert model.head.vis_weight == pytest.approx(0.75)
    assert runner.message_hub.get_scalar(
        'train/vis_weight').current() == pytest.approx(0.75)
    with pytest.raises(AttributeError):
        LossWeightScheduleHook(attr='alpha').before_train(runner)
    with pytest.raises(ValueError, match='schedule'):
        LossWeightScheduleHook(schedule='cosine')
