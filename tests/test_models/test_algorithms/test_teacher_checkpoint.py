"""A teacher checkpoint is loaded strictly: another architecture, an unrelated model or a file
that is no checkpoint is refused, naming the file and what does not fit; the xView2 hand-over
(localisation student -> damage student, ``init_cfg``) still skips its head, and says so."""
import os.path as osp
import random

import mmengine.runner.checkpoint as mmengine_checkpoint
import pytest
import torch
from mmengine.model import BaseModel
from mmrazor.registry import MODELS
from torch import nn

from cmkd_mm.utils import checkpoint as ckpt_utils
from cmkd_mm.utils.checkpoint import CheckpointMismatchError, CheckpointReadError
from cmkd_mm.utils.config import load_config, student_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


class _Early(BaseModel):
    """An early-fusion toy: the first conv takes every channel of the view."""

    def __init__(self, in_channels=4, data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor)
        self.backbone = nn.Sequential(nn.Conv2d(in_channels, 4, 3, padding=1), nn.ReLU())
        self.neck = nn.Conv2d(4, 4, 1)
        self.head = nn.Conv2d(4, 2, 1)

    def extract_feat(self, x):
        return self.neck(self.backbone(x))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.head(self.extract_feat(inputs))
        return dict(loss_seg=logits.pow(2).mean()) if mode == 'loss' else logits


MODELS.register_module('_EarlyFusionToy', module=_Early, force=True)
REC = dict(feat=dict(type='ModuleOutputs', source='neck'))


def _algo(teacher_ckpt=None, teacher=None):
    return MODELS.build(
        dict(
            _scope_='mmrazor',
            type='CrossModalDistill',
            data_preprocessor=dict(
                type='mmengine.MultiModalDataPreprocessor',
                modalities=dict(rgb=dict(mean=[0.] * 3), gated=dict(mean=[0.])),
                views=dict(student='rgb', teacher=['rgb', 'gated'])),
            architecture=dict(type='_EarlyFusionToy', in_channels=3),
            teacher=teacher or dict(type='_EarlyFusionToy', in_channels=4),
            teacher_ckpt=teacher_ckpt,
            distiller=dict(
                type='ConfigurableDistiller',
                student_recorders=REC,
                teacher_recorders=REC,
                distill_losses=dict(loss_mse=dict(type='L2Loss', loss_weight=1.)),
                loss_forward_mappings=dict(
                    loss_mse=dict(
                        s_feature=dict(from_student=True, recorder='feat'),
                        t_feature=dict(from_student=False, recorder='feat'))))))


def _save(path, state, **meta):
    torch.save(dict(state_dict=state, meta=meta), path)
    return str(path)


def test_the_teacher_checkpoint_loads_every_weight_and_skips_its_own_preprocessor(
        tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(ckpt_utils, 'print_log', lambda msg, **kw: logged.append(msg))
    teacher = _Early(4)
    state = dict(teacher.state_dict(), **{'data_preprocessor.gated_mean': torch.ones(1, 1, 1)})
    algo = _algo(_save(tmp_path / 'teacher.pth', state))
    for key, value in teacher.state_dict().items():
        assert torch.equal(algo.teacher.state_dict()[key], value), key
    assert algo.teacher._is_init  # init_weights keeps the loaded weights
    assert any(
        "skipped the keys under ['data_preprocessor.']" in m and 'data_preprocessor.gated_mean' in m
        for m in logged), logged


def test_another_architecture_is_refused(tmp_path):
    """The RGB baseline's checkpoint for the RGB + gated teacher: only the first conv differs
    (mmrazor loaded the rest and left that conv random)."""
    path = _save(
        tmp_path / 'baseline_rgb.pth',
        _Early(3).state_dict(),
        experiment_name='baseline_rgb_20260102_030405')
    with pytest.raises(CheckpointMismatchError) as err:
        _algo(path)
    text = str(err.value)
    assert text.startswith(f'{path} does not fit the teacher (model.teacher_ckpt): 0 missing [], '
                           '0 unexpected [], 1 of another shape (checkpoint vs model) '
                           '[backbone.0.weight (4, 3, 3, 3) vs (4, 4, 3, 3)]')
    assert 'It was saved by the run baseline_rgb_20260102_030405 (config baseline_rgb.py)' in text
    assert 'Point model.teacher_ckpt at a checkpoint trained with the teacher' in text


def test_an_unrelated_model_is_refused(tmp_path):
    path = _save(tmp_path / 'classifier.pth', nn.Linear(8, 3).state_dict())
    with pytest.raises(CheckpointMismatchError) as err:
        _algo(path)
    assert str(err.value).startswith(
        f'{path} does not fit the teacher (model.teacher_ckpt): 6 missing [backbone.0.weight, '
        'backbone.0.bias, neck.weight, neck.bias, head.weight, ...], 2 unexpected [weight, bias], '
        '0 of another shape')


def test_random_bytes_are_refused_naming_the_file(tmp_path):
    path = tmp_path / 'teacher.pth'
    path.write_bytes(random.Random(1).randbytes(4096))
    with pytest.raises(CheckpointReadError, match=f'^{path} is not a readable PyTorch checkpoint'):
        _algo(str(path))


def test_a_teacher_of_a_group_names_its_option(tmp_path):
    path = _save(tmp_path / 'rgb.pth', _Early(3).state_dict())
    group = dict(
        type='TeacherGroup',
        teachers=dict(fused=dict(model=dict(type='_EarlyFusionToy', in_channels=4), ckpt=path)))
    with pytest.raises(CheckpointMismatchError) as err:
        _algo(teacher=group)
    assert str(err.value).startswith(
        f'{path} does not fit the teacher (model.teacher.teachers.fused.ckpt): 0 missing')


def test_xview2_transfer_hand_over_skips_the_head_and_logs_it(tmp_path, monkeypatch):
    """damage_kd of the xView2 recipes: the student starts from the localisation student
    (``init_cfg``, a head of 1 class on 8 channels vs 5 classes on the siamese 16), while its
    teacher checkpoint is loaded strictly."""
    from mmengine.registry import init_default_scope

    from cmkd_mm.recipes.stage_config import set_handover
    cfg_dir = osp.join(ROOT, 'configs', 'building_damage')
    init_default_scope('mmseg')
    loc = MODELS.build(
        student_config(load_config(osp.join(cfg_dir, 'loc-kd_unet-r18_pre_xview2_demo.py'))).model)
    loc_ckpt = _save(tmp_path / 'loc_student.pth', loc.state_dict(), distilled_from='loc_kd.pth')
    cfg = load_config(osp.join(cfg_dir, 'damage-kd_unet-r18_pre-post_xview2_demo.py'))
    init_default_scope('mmseg')
    teacher = MODELS.build(cfg.model.teacher)
    set_handover(cfg, 'model.teacher_ckpt', _save(tmp_path / 'damage.pth', teacher.state_dict()))
    set_handover(cfg, 'model.architecture.init_cfg.checkpoint', loc_ckpt)
    logged = []
    monkeypatch.setattr(mmengine_checkpoint, 'print_log',
                        lambda msg, *a, **kw: logged.append(str(msg)))
    init_default_scope('mmrazor')
    algo = MODELS.build(cfg.model)
    algo.init_weights()
    student, theirs = algo.student.state_dict(), loc.state_dict()
    for key in ('backbone.conv1.weight', 'decode_head.final_conv.0.weight'):
        assert torch.equal(student[key], theirs[key]), key
    assert student['decode_head.conv_seg.weight'].shape == (5, 16, 1, 1)
    for key, value in teacher.state_dict().items():
        assert torch.equal(algo.teacher.state_dict()[key], value), key
    skipped = [m for m in logged if 'size mismatch for decode_head.conv_seg.weight' in m]
    assert skipped and 'torch.Size([1, 8, 1, 1])' in skipped[0], logged
