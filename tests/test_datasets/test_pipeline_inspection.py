"""Pipeline inspection asks each transform what it loads: the loading part of a pipeline and the
label loaders come from the transforms' own ``loads`` / ``checks``, or from the mmcv loader
they derive from."""
import pytest
from mmcv.transforms import BaseTransform
from mmengine.registry import DefaultScope

from cmkd_mm.datasets.pipeline_inspection import (config_test_pipeline, label_resized_before_eval,
                                                  loading_only, loading_pipeline, transform_checks,
                                                  transform_loads)

LOAD = dict(type='LoadModalities', modalities=dict(thermal=dict(channels=[3])))
LABEL = dict(type='LoadSegLabels')
CHECK = dict(type='CheckSegLabels', num_classes=9)
EDGES = dict(type='GenerateEdgeLabels')
MASKS = dict(type='LoadXView2Masks')
RESIZE = dict(type='MultiModalResize', scale=(32, 24))
PACK = dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs'))


class LoadsDepth(BaseTransform):
    """A transform of another codebase that says what it loads."""
    loads = ('images', )

    def transform(self, results):
        return results


def test_each_transform_says_what_it_loads():
    assert transform_loads(LOAD) == ('images', )
    assert transform_loads(LABEL) == transform_loads(MASKS) == ('labels', )
    assert transform_loads(EDGES) == ('edges', )
    assert transform_loads(CHECK) == () and transform_checks(CHECK) == ('labels', )
    assert transform_loads(RESIZE) == transform_checks(RESIZE) == ()
    assert transform_loads(dict(type=LoadsDepth)) == ('images', )
    assert transform_loads(dict(type='NoSuchTransform')) == ()
    assert transform_loads(dict(type='nosuchscope.LoadAnnotations')) == ()


def test_the_mmcv_loaders_and_what_derives_from_them():
    for scoped in ('mmdet.LoadAnnotations', 'mmseg.LoadAnnotations', 'LoadAnnotations'):
        assert transform_loads(dict(type=scoped)) == ('labels', ), scoped
    assert transform_loads(dict(type='LoadImageFromFile')) == ('images', )
    with DefaultScope.overwrite_default_scope('mmseg'):  # unscoped names as the config's scope
        assert transform_loads(dict(type='LoadAnnotations')) == ('labels', )


def test_loading_part_ends_with_the_last_transform_that_loads_or_checks():
    assert loading_pipeline([LOAD, LABEL, CHECK, EDGES, RESIZE, PACK]) == \
        [LOAD, LABEL, CHECK, EDGES]
    assert loading_pipeline([LOAD, MASKS, RESIZE, PACK]) == [LOAD, MASKS]
    assert loading_pipeline([LOAD, RESIZE, LABEL, PACK]) == [LOAD, RESIZE, LABEL]
    assert loading_pipeline([RESIZE, PACK]) == []
    wrapped = dict(type='RepeatDataset', dataset=dict(type='X', pipeline=[LOAD, LABEL, PACK]))
    assert loading_only(wrapped)['dataset']['pipeline'] == [LOAD, LABEL]
    assert wrapped['dataset']['pipeline'] == [LOAD, LABEL, PACK]  # a copy


def test_labels_loaded_before_a_resize_are_named():
    assert label_resized_before_eval([LOAD, RESIZE, MASKS, PACK]) is None
    assert label_resized_before_eval([LOAD, MASKS, RESIZE, PACK]) == \
        'LoadXView2Masks comes before MultiModalResize'
    assert label_resized_before_eval(
        [LOAD, dict(type='mmdet.LoadAnnotations'), dict(type='mmdet.Resize'), PACK]) == \
        'LoadAnnotations comes before Resize'
    # images are no labels
    assert label_resized_before_eval([dict(type='LoadImageFromFile'), RESIZE, PACK]) is None


def test_the_test_pipeline_of_a_config():
    """The test dataset's (below a wrapper), else val's, else ``test_pipeline``; a copy."""
    from mmengine.config import Config
    load, pack = dict(type='LoadModalities'), dict(type='PackMultiModalInputs')
    wrapped = dict(type='RepeatDataset', times=2, dataset=dict(pipeline=[load, pack]))
    cfg = Config(dict(test_dataloader=dict(dataset=wrapped), test_pipeline=[pack]))
    got = config_test_pipeline(cfg)
    assert got == [load, pack]
    got[0]['type'] = 'Changed'
    assert cfg.test_dataloader.dataset.dataset.pipeline[0]['type'] == 'LoadModalities'
    assert config_test_pipeline(Config(
        dict(val_dataloader=dict(dataset=dict(pipeline=[load]))))) == [load]
    assert config_test_pipeline(Config(dict(test_pipeline=[pack]))) == [pack]
    assert config_test_pipeline(Config(dict()), required=False) == []
    with pytest.raises(KeyError, match='no test_dataloader'):
        config_test_pipeline(Config(dict()))
