"""tools/test.py (and every evaluation through checked_runner) refuses a checkpoint that does
not fit the model, instead of mmengine's load-what-fits."""
import pytest
import torch
from mmengine.registry import MODELS, init_default_scope

from cmkd_mm.engine.runner import checked_runner
from ...conftest import load_tool, tiny_cfg

BASELINE = 'configs/demo/baseline_fcn-r18_thermal_mfnet_demo.py'


def test_tools_test_refuses_another_models_checkpoint(mfnet_demo_root, tmp_path):
    cfg = tiny_cfg(BASELINE, mfnet_demo_root, str(tmp_path))
    cfg_file = str(tmp_path / 'baseline.py')
    cfg.dump(cfg_file)
    init_default_scope('mmseg')
    other = MODELS.build(dict(cfg.model, decode_head=dict(cfg.model.decode_head, num_classes=5)))
    ckpt = str(tmp_path / 'five_classes.pth')
    torch.save(dict(state_dict=other.state_dict(), meta=dict(experiment_name='five')), ckpt)
    with pytest.raises(
            ValueError,
            match=r'five_classes.pth does not fit the model of baseline.py'
            r'.*decode_head.conv_seg.weight') as error:
        load_tool('test.py').main([cfg_file, ckpt, '--work-dir', str(tmp_path / 'test')])
    assert 'nothing was run' in str(error.value)

    fits = str(tmp_path / 'fits.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta={}), fits)
    cfg.load_from = fits
    assert checked_runner(cfg).model is not None  # a fitting checkpoint builds the Runner
