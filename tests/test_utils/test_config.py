"""cmkd_mm.utils.config: loading with options, distillation or not, and the plain model configs
of a distillation config's student and teachers."""
import pytest
from mmengine.config import Config

from cmkd_mm.utils.config import (config_name, is_distillation, load_config, student_config,
                                  teacher_configs, type_name)

PREPROCESSOR = dict(
    type='MultiModalDataPreprocessor',
    modalities=dict(rgb=dict(mean=[0.] * 3, std=[1.] * 3), ir=dict(mean=[0.], std=[1.])),
    views=dict(student=['ir'], teacher=['rgb', 'ir']))


def distill_cfg(**model):
    model = dict(
        dict(
            type='mmrazor.CrossModalDistill',
            architecture=dict(type='mmseg.EncoderDecoder', name='student'),
            teacher=dict(type='mmseg.EncoderDecoder', name='teacher'),
            data_preprocessor=PREPROCESSOR), **model)
    return Config(
        dict(
            model=model,
            val_cfg=dict(type='mmrazor.CrossModalDistillValLoop'),
            model_wrapper_cfg=dict(type='mmrazor.DistillDistributedDataParallel'),
            optim_wrapper=dict(
                constructor='mmrazor.SeparateOptimWrapperConstructor',
                architecture=dict(optimizer=dict(type='SGD', lr=0.1)),
                distiller=dict(optimizer=dict(type='SGD', lr=0.2))),
            param_scheduler=dict(architecture=[dict(type='ConstantLR')], distiller=[]),
            teacher_ckpt='teacher.pth'))


def test_load_config_merges_options_and_never_changes_its_input(tmp_path):
    path = tmp_path / 'a.py'
    path.write_text('model = dict(type="X", depth=18)\n')
    cfg = load_config(str(path), {'model.depth': 50})
    assert cfg.model.depth == 50
    again = load_config(cfg, {'model.depth': 101})
    assert (cfg.model.depth, again.model.depth) == (50, 101)
    assert config_name(str(path)) == 'a' and config_name(Config(dict())) == 'model'


def test_type_name_and_is_distillation():
    assert type_name(dict(type='mmrazor.CrossModalDistill')) == 'CrossModalDistill'
    assert type_name(None) == type_name({}) == ''
    assert is_distillation(distill_cfg())
    assert not is_distillation(Config(dict(model=dict(type='mmseg.EncoderDecoder'))))


def test_student_config_is_a_plain_model_on_its_view():
    cfg = distill_cfg()
    student = student_config(cfg)
    assert student.model.name == 'student'
    assert dict(student.model.data_preprocessor.views) == dict(student=['ir'])
    assert student.model.data_preprocessor.meta_view == 'student'
    assert student.val_cfg == dict(type='ValLoop')
    assert 'model_wrapper_cfg' not in student and 'teacher_ckpt' not in student
    assert student.optim_wrapper.optimizer.lr == 0.1
    assert student.param_scheduler == [dict(type='ConstantLR')]
    assert cfg.model.type == 'mmrazor.CrossModalDistill'  # the input is left as it was
    with pytest.raises(KeyError, match='not a distillation config'):
        student_config(student)


def test_teacher_configs_one_teacher_and_a_group():
    one = teacher_configs(distill_cfg())
    assert list(one) == ['teacher'] and one['teacher'].name == 'teacher'
    assert dict(one['teacher'].data_preprocessor.views) == dict(teacher=['rgb', 'ir'])
    group = distill_cfg(
        teacher=dict(
            type='TeacherGroup',
            teachers=dict(
                fused=dict(model=dict(type='mmseg.EncoderDecoder', name='fused')),
                rgb=dict(model=dict(type='mmseg.EncoderDecoder', name='rgb'), view='student'))))
    models = teacher_configs(group)
    assert list(models) == ['fused', 'rgb']
    assert dict(models['fused'].data_preprocessor.views) == dict(teacher=['rgb', 'ir'])
    assert dict(models['rgb'].data_preprocessor.views) == dict(student=['ir'])
