"""The teacher-cache table of docs/performance.md is what the configs give now, and the check
from a config refuses what TeacherCacheHook refuses."""
import functools
import glob
import os.path as osp
import re
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmengine.config import utils as config_utils
from mmengine.registry import DefaultScope

from cmkd_mm.engine.hooks.teacher_cache_hook import (BATCH_MIXING, TeacherCacheHook, cache_table,
                                                     config_cache_check)
from cmkd_mm.utils.config import is_distillation, load_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
DOC = osp.join(ROOT, 'docs', 'performance.md')
BLOCK = re.compile(r'<!-- teacher-cache table: start.*?-->\n(.*?)<!-- teacher-cache table: end -->',
                   re.S)


@pytest.fixture(scope='module')
def fast_external_bases():
    """mmengine re-reads every metafile of mmdet/mmseg for each ``mmdet::`` base; read each
    once (the files do not change during the test)."""
    original = config_utils.load
    config_utils.load = functools.lru_cache(maxsize=None)(original)
    yield
    config_utils.load = original


def full_size_distillation_configs():
    """Config files under configs/ whose model has ``architecture``: no ``_demo``, no
    ``_base_``, no recipes; paths relative to the repository."""
    paths = sorted(
        osp.relpath(p, ROOT)
        for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True))
    paths = [
        p for p in paths
        if not p.endswith('_demo.py') and '/_base_/' not in p and '/recipes/' not in p
    ]
    return [p for p in paths if is_distillation(load_config(osp.join(ROOT, p)))]


def test_doc_table_is_what_the_configs_give(fast_external_bases, monkeypatch):
    monkeypatch.chdir(ROOT)
    configs = full_size_distillation_configs()
    assert len(configs) >= 10  # every task has full-size distillation configs
    with open(DOC, encoding='utf-8') as f:
        found = BLOCK.search(f.read())
    assert found, f'{DOC}: no "<!-- teacher-cache table: start -->" ... "end" block'
    expected = cache_table(configs)
    assert found.group(1) == expected, (
        f'{DOC}: the teacher-cache table is out of date; replace it with:\n{expected}')


def distill_config(pipeline, **model):
    """A distillation config (nothing built): a group of two teachers on views ``a`` (rgb) and
    ``b`` (rgb, depth), the student on ``s`` (ir)."""
    teacher = dict(
        type='TeacherGroup',
        teachers=dict(x=dict(model=dict(type='M')), y=dict(model=dict(type='M'), view='b')))
    preprocessor = dict(
        type='MultiModalDataPreprocessor',
        modalities=dict(rgb={}, ir={}, depth={}),
        views=dict(a=['rgb'], b=['rgb', 'depth'], s='ir'),
        base=dict(type='mmdet.DetDataPreprocessor'))
    return Config(
        dict(
            default_scope='mmdet',
            model=dict(
                dict(
                    type='CrossModalDistill',
                    architecture=dict(type='M'),
                    teacher=teacher,
                    teacher_view='a',
                    student_view='s',
                    data_preprocessor=preprocessor), **model),
            train_dataloader=dict(
                dataset=dict(type='ClassBalancedDataset', dataset=dict(pipeline=pipeline)))))


LOAD = dict(type='LoadModalities', modalities=dict(rgb={}, ir={}, depth={}))
FLIP = dict(type='MultiModalRandomFlip', prob=0.5)  # the cache key records it
JITTER = dict(type='mmdet.PhotoMetricDistortion')
CROP = dict(type='MultiModalRandomCrop', crop_size=(8, 8))


def test_what_a_config_allows():
    # random only on the student's modality, flips recorded in the key: usable
    student_only = dict(type='ApplyToModalities', modalities=['ir'], transforms=[JITTER])
    check = config_cache_check(distill_config([LOAD, FLIP, student_only]))
    assert check.usable and check.reasons() == []
    assert check.modalities == ('depth', 'rgb')  # teacher y reads its own view b

    # on every modality they are random for the teachers; each counts once in the reasons
    check = config_cache_check(distill_config([LOAD, CROP, JITTER, CROP]))
    assert not check.usable
    assert check.transforms == ('MultiModalRandomCrop', 'PhotoMetricDistortion',
                                'MultiModalRandomCrop')
    assert check.reasons() == ['MultiModalRandomCrop', 'PhotoMetricDistortion']

    # a transform the hook is told to accept
    cfg = distill_config([LOAD, JITTER])
    cfg.custom_hooks = [
        dict(type='TeacherCacheHook', assume_deterministic=['PhotoMetricDistortion'])
    ]
    assert config_cache_check(cfg).usable

    # batch mixing and what CrossModalDistill refuses itself
    cfg = distill_config([LOAD], teacher_trainable=True)
    cfg.model.data_preprocessor.base.batch_augments = [dict(type='BatchFixedSizePad', size=(8, 8))]
    assert config_cache_check(cfg).reasons() == [BATCH_MIXING, 'teacher_trainable=True']
    cfg = distill_config([LOAD], distiller=dict(distill_deliveries=dict(d=dict())))
    assert config_cache_check(cfg).reasons() == ['distill_deliveries']


def test_a_teacher_view_the_preprocessor_lacks_is_named():
    cfg = distill_config([LOAD], teacher_view='c')
    with pytest.raises(ValueError, match=r"view\(s\) \['c'\]"):
        config_cache_check(cfg)


@pytest.mark.parametrize('pipeline, mixing', [([LOAD, FLIP], None), ([LOAD, CROP, JITTER], None),
                                              ([LOAD], [dict(type='BatchFixedSizePad')]),
                                              ([LOAD, JITTER], [dict(type='BatchFixedSizePad')])])
def test_the_hook_refuses_what_the_config_check_says(pipeline, mixing):
    cfg = distill_config(pipeline)
    cfg.model.data_preprocessor.batch_augments = mixing
    expected = config_cache_check(cfg)
    # what the hook reads of a built algorithm and its runner
    preprocessor = SimpleNamespace(
        views=dict(a=['rgb'], b=['rgb', 'depth'], s=['ir']),
        base=SimpleNamespace(batch_augments=mixing))
    algorithm = SimpleNamespace(
        data_preprocessor=preprocessor, teachers=SimpleNamespace(views=['a', 'b']))
    with DefaultScope.overwrite_default_scope('mmdet'):  # the Runner's scope
        if expected.usable:
            TeacherCacheHook().check_pipeline(SimpleNamespace(cfg=cfg), algorithm)
        else:
            with pytest.raises(ValueError) as error:
                TeacherCacheHook().check_pipeline(SimpleNamespace(cfg=cfg), algorithm)
            assert str(error.value) == expected.error()
    assert expected.usable is (pipeline == [LOAD, FLIP])
