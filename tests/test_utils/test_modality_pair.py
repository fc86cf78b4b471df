import re

import pytest
from mmengine.config import Config

from cmkd_mm.models.data_preprocessors import MultiModalDataPreprocessor
from cmkd_mm.utils.config import load_config
from cmkd_mm.utils.modality_pair import pair_references, resolve_pair


def _pair(**extra):
    cfg = dict(
        modalities=dict(
            rgb=dict(num_channels=3, bit_depth=8),
            gated=dict(num_channels=1, bit_depth=10),
            ir=dict(channels=[0], bit_depth=16)),
        teacher_modalities=['rgb', 'ir'],
        student_modalities=['ir'],
        modality_stats='auto',
        classes=('person', 'car'),
        model=dict(
            backbone=dict(
                in_channels='pair:teacher_channels', split_channels='pair:teacher_split_channels'),
            head=dict(num_classes='pair:num_classes'),
            student=dict(in_channels='pair:student_channels'),
            data_preprocessor=dict(
                modalities='pair:modality_stats',
                views=dict(teacher='pair:teacher_modalities', student='pair:student_modalities'))),
        pipeline=[dict(type='LoadModalities', modalities='pair:modalities')])
    cfg.update(extra)
    return Config(cfg)


def test_every_reference_takes_the_declared_value():
    cfg = resolve_pair(_pair())
    assert pair_references(cfg) == []
    assert cfg.model.backbone.in_channels == 4  # rgb 3 + ir 1 (from its channels list)
    assert cfg.model.backbone.split_channels == [3, 1]
    assert cfg.model.student.in_channels == 1
    assert cfg.model.head.num_classes == 2
    assert cfg.model.data_preprocessor.views.to_dict() == dict(
        teacher=['rgb', 'ir'], student=['ir'])
    # Only the modalities the pair uses: gated is declared but neither model reads it.
    assert list(cfg.model.data_preprocessor.modalities) == ['rgb', 'ir']
    assert set(cfg.model.data_preprocessor.modalities.values()) == {'auto'}
    assert list(cfg.pipeline[0].modalities) == ['rgb', 'ir']
    assert cfg.pipeline[0].modalities.ir.bit_depth == 16
    assert resolve_pair(cfg).to_dict() == cfg.to_dict()  # twice is once


def test_swapping_the_pair_changes_every_derived_field():
    cfg = resolve_pair(
        _pair(
            teacher_modalities=['gated', 'rgb'],
            student_modalities=['rgb'],
            modality_stats=dict(
                rgb=dict(mean=[0] * 3, std=[1] * 3),
                gated=dict(mean=[5], std=[2]),
                other=dict(mean=[1], std=[1]))))
    assert cfg.model.backbone.in_channels == 4
    assert cfg.model.backbone.split_channels == [1, 3]
    assert cfg.model.student.in_channels == 3
    # declaration order: statistics as modality_stats lists them, loading as modalities does
    assert list(cfg.model.data_preprocessor.modalities) == ['rgb', 'gated']
    assert list(cfg.pipeline[0].modalities) == ['rgb', 'gated']


def test_options_apply_before_resolving(tmp_path):
    path = tmp_path / 'pair.py'
    path.write_text(_pair().pretty_text)
    cfg = load_config(str(path), {'student_modalities': ['rgb']})
    assert cfg.model.student.in_channels == 3


@pytest.mark.parametrize('change, message', [
    (dict(student_modalities=['thermal']), "name ['thermal'], which modalities does not declare"),
    (dict(modality_stats=dict(rgb=dict(mean=[0], std=[1]))), "no statistics for ['ir']"),
    (dict(classes=None), 'declares no classes'),
    (dict(modalities=dict(rgb=dict(bit_depth=8), ir=dict(num_channels=1))),
     'modalities.rgb gives no channel count'),
])
def test_bad_declarations_name_the_fix(change, message):
    with pytest.raises((KeyError, ValueError), match=re.escape(message)):
        resolve_pair(_pair(**change))


def test_unknown_reference_names_its_key():
    cfg = _pair()
    cfg.model.backbone.depth = 'pair:depth'
    with pytest.raises(KeyError, match=r"model.backbone.depth: unknown pair reference"):
        resolve_pair(cfg)


def test_unresolved_reference_is_refused_by_the_preprocessor():
    with pytest.raises(ValueError, match='never resolved'):
        MultiModalDataPreprocessor(
            modalities='pair:modality_stats', views=dict(student='pair:student_modalities'))


def test_auto_statistics_bring_the_hook_that_measures_them():
    cfg = resolve_pair(_pair(custom_hooks=[dict(type='EarlyStoppingHook', monitor='x')]))
    assert [h['type']
            for h in cfg.custom_hooks] == ['EarlyStoppingHook', 'ModalityStatsFromDataHook']
    assert len(resolve_pair(cfg).custom_hooks) == 2
    given = resolve_pair(
        _pair(modality_stats=dict(rgb=dict(mean=[0] * 3, std=[1] * 3), ir=dict(mean=[0], std=[1]))))
    assert not given.get('custom_hooks')
