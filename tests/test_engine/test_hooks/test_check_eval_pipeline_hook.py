"""CheckEvalPipelineHook: a val/test pipeline that resizes labels is refused before training."""
import os
import os.path as osp

import pytest
from mmengine.runner import Runner

from cmkd_mm.datasets.pipeline_inspection import label_resized_before_eval, loading_pipeline
from ...conftest import tiny_cfg

LOAD = dict(type='LoadModalities', modalities=dict(thermal=dict(channels=[3])))
RESIZE = dict(type='MultiModalResize', scale=(32, 24))
LABEL = dict(type='LoadSegLabels')
PACK = dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs'))


def test_label_order():
    assert label_resized_before_eval([LOAD, RESIZE, LABEL, PACK]) is None  # mmseg's order
    assert label_resized_before_eval([LOAD, PACK]) is None  # no label
    assert label_resized_before_eval([LOAD, LABEL, RESIZE, PACK]) == \
        'LoadSegLabels comes before MultiModalResize'
    assert label_resized_before_eval(
        [LOAD, dict(type='mmseg.LoadAnnotations'), dict(type='mmseg.Resize'), PACK]) == \
        'LoadAnnotations comes before Resize'
    assert loading_pipeline([LOAD, LABEL, dict(type='CheckSegLabels'), RESIZE, PACK]) == \
        [LOAD, LABEL, dict(type='CheckSegLabels')]


def test_refused_before_the_first_iteration(mfnet_demo_root, tmp_path):
    config = 'configs/demo/baseline_fcn-r18_thermal_mfnet_demo.py'
    cfg = tiny_cfg(config, mfnet_demo_root, str(tmp_path), iters=2, val=True)
    assert cfg.default_hooks.check_pipeline == dict(type='CheckEvalPipelineHook')
    pipeline = cfg.val_dataloader.dataset.pipeline
    cfg.val_dataloader.dataset.pipeline = pipeline[:-1] + [RESIZE, pipeline[-1]]
    with pytest.raises(
            ValueError,
            match=r'val_dataloader pipeline: LoadSegLabels comes before '
            r'MultiModalResize.*Load the label after the resize'):
        Runner.from_cfg(cfg).train()
    assert not any(f.endswith('.pth') for f in os.listdir(tmp_path))
    assert not osp.exists(osp.join(tmp_path, 'last_checkpoint'))
