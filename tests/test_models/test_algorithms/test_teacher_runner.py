"""TeacherRunner: one teacher is a group of one; each teacher reads its view, runs as deep as its
recorders read (frozen, under no_grad) or computes its losses (trainable)."""
import pytest
import torch
from mmengine.model import BaseModel
from mmrazor.models.task_modules.recorder import FunctionOutputsRecorder, ModuleOutputsRecorder
from torch import nn

from cmkd_mm.models.algorithms.teacher_runner import Teacher, TeacherRunner, teacher_depth
from cmkd_mm.models.architectures import TeacherGroup


class _Net(BaseModel):
    """backbone / neck / head with the modes of an OpenMMLab model; records which ran."""

    def __init__(self, channels=3):
        super().__init__()
        self.backbone = nn.Conv2d(channels, 2, 1)
        self.neck = nn.Identity()
        self.head = nn.Conv2d(2, 1, 1)
        self.calls = []

    def extract_feat(self, x):
        self.calls.append('extract_feat')
        return self.neck(self.backbone(x))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.calls.append(mode)
        out = self.head(self.neck(self.backbone(inputs)))
        return dict(loss_x=out.mean()) if mode == 'loss' else out


def _recorders(*sources):
    return {s: ModuleOutputsRecorder(s) for s in sources}


@pytest.mark.parametrize('sources,depth', [(('backbone', ), 'extract_feat'),
                                           (('neck', 'backbone'), 'extract_feat'),
                                           (('neck', 'head'), 'tensor'), ((), 'tensor')])
def test_auto_depth_from_the_recorders(sources, depth):
    assert teacher_depth('auto', _Net(), _recorders(*sources), '') == depth
    assert teacher_depth('tensor', _Net(), _recorders('neck'), '') == 'tensor'


def test_auto_depth_reads_only_the_recorders_of_its_teacher():
    recorders = dict(_recorders('a.neck', 'b.head'))
    assert teacher_depth('auto', _Net(), recorders, 'a.') == 'extract_feat'
    assert teacher_depth('auto', _Net(), recorders, 'b.') == 'tensor'
    # a function recorder is not a backbone / neck output: the whole forward runs
    function = dict(f=FunctionOutputsRecorder('torch.nn.functional.relu'))
    assert teacher_depth('auto', _Net(), function, '') == 'tensor'
    with pytest.raises(ValueError, match='mode of a frozen teacher'):
        teacher_depth('loss', _Net(), recorders, '')


def test_one_teacher_is_a_group_of_one():
    net = _Net()
    runner = TeacherRunner(net, 'rgbt', 'auto', _recorders('neck'), ckpt='t.pth')
    (teacher, ) = list(runner)
    assert (teacher.name, teacher.model, teacher.view, teacher.mode, teacher.ckpt) == \
        ('', net, 'rgbt', 'extract_feat', 't.pth')
    assert runner.evaluated is teacher and runner.views == ['rgbt'
                                                            ] and runner.mode == 'extract_feat'
    assert teacher.view_option == 'teacher_view'
    x = torch.rand(2, 3, 4, 4, requires_grad=True)
    assert teacher(x) == {} and net.calls == ['extract_feat']


def test_frozen_teacher_runs_under_no_grad_and_a_trainable_one_gives_its_losses():
    net = _Net()
    seen = []
    net.head.register_forward_hook(lambda m, i, o: seen.append(o.requires_grad))
    frozen = Teacher('', net, 'v', 'tensor')
    assert frozen(torch.rand(1, 3, 2, 2)) == {} and seen == [False]
    (trainable, ) = TeacherRunner(net, 'v', 'auto', _recorders('neck'), trainable=True)
    assert trainable.mode == 'loss'
    losses = trainable(torch.rand(1, 3, 2, 2))
    assert list(losses) == ['teacher.loss_x'] and losses['teacher.loss_x'].requires_grad


def test_group_members_read_their_view_and_depth_defaulting_to_the_algorithm():
    group = TeacherGroup(
        eval_teacher='b',
        teachers=dict(
            a=dict(model=_Net(4)),
            b=dict(model=_Net(), view='rgb', mode='tensor'),
            c=dict(model=_Net())))
    runner = TeacherRunner(group, 'teacher', 'auto', _recorders('a.neck', 'c.head'))
    assert [(t.name, t.view, t.mode) for t in runner] == [('a', 'teacher', 'extract_feat'),
                                                          ('b', 'rgb', 'tensor'),
                                                          ('c', 'teacher', 'tensor')]
    assert runner.mode == 'auto' and runner.views == ['rgb', 'teacher']
    assert runner.evaluated.name == 'b' and runner.evaluated.model is group.b
    assert runner.evaluated.view_option == 'teacher "b": view'
    assert [t.mode for t in TeacherRunner(group, 'teacher', 'tensor', {})] == ['tensor'] * 3
    assert TeacherRunner(group, 'teacher', 'tensor', {}).mode == 'tensor'


def test_errors():
    with pytest.raises(ValueError, match='teacher_mode must be one of'):
        TeacherRunner(_Net(), 'v', 'group', {})
    with pytest.raises(ValueError, match='needs teacher_trainable=True'):
        TeacherRunner(_Net(), 'v', 'loss', {})
    group = TeacherGroup(teachers=dict(a=dict(model=_Net())))
    with pytest.raises(ValueError, match='TeacherGroup is frozen'):
        TeacherRunner(group, 'v', 'auto', {}, trainable=True)
    with pytest.raises(ValueError, match='mode of a frozen teacher'):
        TeacherRunner(
            TeacherGroup(teachers=dict(a=dict(model=_Net(), mode='loss'))), 'v', 'auto', {})
