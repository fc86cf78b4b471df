"""CrossModalDistill: view routing, frozen eval-mode teacher, depth of the teacher pass."""
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmrazor.registry import MODELS
from torch import nn

CALLS = []


class _ToySeg(BaseModel):
    """Tiny backbone/neck/head model with mmseg-like modes; records which modes ran."""

    def __init__(self, in_channels=3, tag='m', data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor)
        self.tag = tag
        self.backbone = nn.Sequential(nn.Conv2d(in_channels, 4, 3, padding=1), nn.ReLU())
        self.neck = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(4, 4, 1))
        self.head = nn.Conv2d(4, 2, 1)

    def extract_feat(self, x):
        CALLS.append((self.tag, 'extract_feat'))
        return self.neck(self.backbone(x))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        CALLS.append((self.tag, mode))
        logits = self.head(self.neck(self.backbone(inputs)))
        if mode == 'loss':
            return dict(loss_seg=logits.pow(2).mean())
        if mode == 'predict':
            return [logits.argmax(1)]
        return logits


MODELS.register_module('_ToySeg', module=_ToySeg, force=True)


def _algo(recorder='neck', teacher_mode='auto', **kwargs):
    rec = dict(feat=dict(type='ModuleOutputs', source=recorder))
    return MODELS.build(
        dict(
            _scope_='mmrazor',
            type='CrossModalDistill',
            data_preprocessor=dict(
                type='mmengine.MultiModalDataPreprocessor',
                modalities=dict(rgb=dict(mean=[0.] * 3), thermal=dict(mean=[0.])),
                views=dict(student='thermal', teacher=['rgb', 'thermal'])),
            architecture=dict(type='_ToySeg', in_channels=1, tag='student'),
            teacher=dict(type='_ToySeg', in_channels=4, tag='teacher'),
            teacher_mode=teacher_mode,
            distiller=dict(
                type='ConfigurableDistiller',
                student_recorders=rec,
                teacher_recorders=rec,
                distill_losses=dict(loss_mse=dict(type='L2Loss', normalize=False, loss_weight=1.)),
                loss_forward_mappings=dict(
                    loss_mse=dict(
                        s_feature=dict(from_student=True, recorder='feat'),
                        t_feature=dict(from_student=False, recorder='feat')))),
            **kwargs))


def _data(n=2):
    return dict(
        inputs=dict(
            rgb=[torch.rand(3, 8, 8) for _ in range(n)],
            thermal=[torch.rand(1, 8, 8) for _ in range(n)]))


def test_loss_keys_teacher_frozen_no_grad_and_eval():
    algo = _algo()
    algo.train()
    assert not algo.teacher.training
    assert all(not m.training for m in algo.teacher.modules())  # dropout too, not only BN
    assert algo.student.training
    assert all(not p.requires_grad for p in algo.teacher.parameters())
    data = algo.data_preprocessor(_data(), True)
    losses = algo(**data, mode='loss')
    assert set(losses) == {'student.loss_seg', 'distill.loss_mse'}
    sum(losses.values()).backward()
    assert all(p.grad is None for p in algo.teacher.parameters())
    assert all(p.grad is not None for p in algo.student.parameters())


@pytest.mark.parametrize('recorder,mode', [('neck', 'extract_feat'), ('backbone.0', 'extract_feat'),
                                           ('head', 'tensor')])
def test_teacher_runs_only_as_deep_as_needed(recorder, mode):
    algo = _algo(recorder)
    assert algo.teacher_mode == mode
    CALLS.clear()
    algo(**algo.data_preprocessor(_data(), True), mode='loss')
    teacher_calls = [m for tag, m in CALLS if tag == 'teacher']
    assert teacher_calls == [mode]  # never 'loss'
    assert ('student', 'loss') in CALLS


def test_teacher_sees_teacher_view_student_sees_student_view():
    algo = _algo()
    seen = {}
    algo.teacher.backbone[0].register_forward_hook(lambda m, i, o: seen.update(t=i[0].shape))
    algo.student.backbone[0].register_forward_hook(lambda m, i, o: seen.update(s=i[0].shape))
    algo(**algo.data_preprocessor(_data(), True), mode='loss')
    assert seen['t'][1] == 4 and seen['s'][1] == 1


def test_predict_and_tensor_use_student_only():
    algo = _algo()
    algo.eval()
    CALLS.clear()
    out = algo.val_step(_data())
    assert out[0].shape == (2, 8, 8)
    assert algo(**algo.data_preprocessor(_data()), mode='tensor').shape == (2, 2, 8, 8)
    assert all(tag == 'student' for tag, _ in CALLS)
    CALLS.clear()
    algo.teacher_val_step(_data())
    assert CALLS == [('teacher', 'predict')]


def test_one_teacher_is_a_group_of_one_and_keeps_its_state_dict_keys():
    algo = _algo()
    (teacher, ) = list(algo.teachers)
    assert teacher.name == '' and teacher.model is algo.teacher and teacher.view == 'teacher'
    assert algo.teachers.evaluated is teacher
    assert 'teacher.backbone.0.weight' in algo.state_dict()


def test_group_teachers_default_to_the_algorithm_mode(tmp_path):
    algo, _ = _two_teachers(tmp_path, modes=(None, None), teacher_mode='tensor')
    assert [t.mode for t in algo.teachers] == ['tensor', 'tensor']
    assert algo.teacher_mode == 'tensor'
    assert 'teacher.rgbt.backbone.0.weight' in algo.state_dict()


def test_config_errors():
    with pytest.raises(ValueError, match='teacher_trainable'):
        _algo(teacher_mode='loss')
    with pytest.raises(ValueError, match='teacher_view "rgbt" is not a view'):
        _algo(teacher_view='rgbt')


def test_trainable_teacher_adds_teacher_losses():
    algo = _algo(teacher_trainable=True)
    assert algo.teacher_mode == 'loss'
    losses = algo(**algo.data_preprocessor(_data(), True), mode='loss')
    assert 'teacher.loss_seg' in losses


def test_separate_optimizers_step_their_own_parameters():
    algo = _algo()
    algo.train()
    wrappers = OptimWrapperDict(
        architecture=OptimWrapper(torch.optim.SGD(algo.architecture.parameters(), lr=0.1)),
        distiller=OptimWrapper(torch.optim.SGD(algo.student.head.parameters(), lr=0.0)))
    before = [p.clone() for p in algo.architecture.backbone.parameters()]
    teacher_before = [p.clone() for p in algo.teacher.parameters()]
    log = algo.train_step(_data(), wrappers)
    assert 'loss' in log and 'distill.loss_mse' in log
    assert any(not torch.equal(a, b)
               for a, b in zip(before, algo.architecture.backbone.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(teacher_before, algo.teacher.parameters()))
    assert all(p.grad is None or not p.grad.any() for p in algo.parameters())  # zeroed


def _two_teachers(tmp_path, modes=('auto', 'auto'), rgb_view='rgb', **kwargs):
    """A thermal student taught by an RGB-thermal teacher (neck features) and by an RGB
    teacher (head logits), each from its own checkpoint."""
    ckpts = {}
    for name, channels in (('rgbt', 4), ('rgb', 3)):
        torch.manual_seed(len(name))
        ckpts[name] = str(tmp_path / f'{name}.pth')
        torch.save(dict(state_dict=_ToySeg(channels).state_dict()), ckpts[name])
    return MODELS.build(
        dict(
            _scope_='mmrazor',
            type='CrossModalDistill',
            data_preprocessor=dict(
                type='mmengine.MultiModalDataPreprocessor',
                modalities=dict(rgb=dict(mean=[0.] * 3), thermal=dict(mean=[0.])),
                views=dict(student='thermal', teacher=['rgb', 'thermal'], rgb='rgb')),
            architecture=dict(type='_ToySeg', in_channels=1, tag='student'),
            teacher=dict(
                type='TeacherGroup',
                eval_teacher='rgb',
                teachers=dict(
                    rgbt=dict(
                        model=dict(type='_ToySeg', in_channels=4, tag='rgbt'),
                        ckpt=ckpts['rgbt'],
                        mode=modes[0]),
                    rgb=dict(
                        model=dict(type='_ToySeg', in_channels=3, tag='rgb'),
                        ckpt=ckpts['rgb'],
                        view=rgb_view,
                        mode=modes[1]))),
            distiller=dict(
                type='ConfigurableDistiller',
                student_recorders=dict(
                    feat=dict(type='ModuleOutputs', source='neck'),
                    logits=dict(type='ModuleOutputs', source='head')),
                teacher_recorders=dict(
                    feat=dict(type='ModuleOutputs', source='rgbt.neck'),
                    logits=dict(type='ModuleOutputs', source='rgb.head')),
                distill_losses=dict(
                    loss_feat=dict(type='L2Loss', normalize=False, loss_weight=1.),
                    loss_logits=dict(type='L2Loss', normalize=False, loss_weight=0.5)),
                loss_forward_mappings=dict(
                    loss_feat=dict(
                        s_feature=dict(from_student=True, recorder='feat'),
                        t_feature=dict(from_student=False, recorder='feat')),
                    loss_logits=dict(
                        s_feature=dict(from_student=True, recorder='logits'),
                        t_feature=dict(from_student=False, recorder='logits')))),
            **kwargs)), ckpts


def test_teacher_group_each_teacher_on_its_view_checkpoint_and_depth(tmp_path):
    algo, ckpts = _two_teachers(tmp_path)
    assert [(t.name, t.view, t.mode)
            for t in algo.teachers] == [('rgbt', 'teacher', 'extract_feat'),
                                        ('rgb', 'rgb', 'tensor')]
    assert algo.teacher_mode == 'auto'  # each teacher as deep as its own recorders read
    for name in ('rgbt', 'rgb'):  # the checkpoints are loaded and survive init_weights
        algo.init_weights()
        want = torch.load(ckpts[name])['state_dict']
        for key, value in getattr(algo.teacher, name).state_dict().items():
            assert torch.equal(value, want[key]), (name, key)
    algo.train()
    assert all(not m.training for m in algo.teacher.modules())
    algo.student.eval()  # no student dropout, so the by-hand pass below is the same
    data = algo.data_preprocessor(_data(), True)
    CALLS.clear()
    losses = algo(**data, mode='loss')
    assert [c for c in CALLS if c[0] != 'student'] == [('rgbt', 'extract_feat'), ('rgb', 'tensor')]
    assert set(losses) == {'student.loss_seg', 'distill.loss_feat', 'distill.loss_logits'}
    # each loss is the L2 loss against its own teacher run on its own view, by hand
    inputs = data['inputs']
    with torch.no_grad():
        t_feat = algo.teacher.rgbt.extract_feat(inputs['teacher'])
        t_logits = algo.teacher.rgb(inputs['rgb'])
    s_feat = algo.student.extract_feat(inputs['student'])
    s_logits = algo.student(inputs['student'])
    n = inputs['student'].shape[0]
    assert losses['distill.loss_feat'].item() == pytest.approx(
        ((s_feat - t_feat)**2).sum().item() / n, rel=1e-5)
    assert losses['distill.loss_logits'].item() == pytest.approx(
        0.5 * ((s_logits - t_logits)**2).sum().item() / n, rel=1e-5)
    sum(losses.values()).backward()
    assert all(p.grad is None for p in algo.teacher.parameters())
    # the val loop's teacher metrics come from eval_teacher, on its view
    CALLS.clear()
    algo.teacher_val_step(_data())
    assert CALLS == [('rgb', 'predict')]


def test_teacher_group_errors(tmp_path):
    with pytest.raises(ValueError, match='teacher "rgb": view "nope" is not a view'):
        _two_teachers(tmp_path, rgb_view='nope')
    with pytest.raises(ValueError, match='TeacherGroup is frozen'):
        _two_teachers(tmp_path, teacher_trainable=True)
    with pytest.raises(ValueError, match='mode of a frozen teacher'):
        _two_teachers(tmp_path, modes=('loss', 'auto'))
