"""extract_student writes a plain mmseg model that predicts exactly what the algorithm predicts."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from ..conftest import load_tool, tiny_cfg

CMKD = 'configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py'


def _tool():
    return load_tool('model_converters/extract_student.py')


@pytest.mark.parametrize('measured', [False, True], ids=['configured', 'measured'])
def test_extract_student_parity(measured, mfnet_demo_root, tmp_path):
    cfg = tiny_cfg(CMKD, mfnet_demo_root, str(tmp_path), iters=1)
    if measured:  # statistics measured on the training set: the student config gets them
        cfg.model.data_preprocessor.modalities = dict(rgb='auto', thermal='auto')
        cfg.custom_hooks = [dict(type='ModalityStatsFromDataHook')]
    cfg_file = str(tmp_path / 'distill_cfg.py')
    cfg.dump(cfg_file)
    runner = Runner.from_cfg(cfg)
    runner.train()
    ckpt = osp.join(str(tmp_path), 'iter_1.pth')

    out = str(tmp_path / 'student' / 'student.pth')
    _tool().main([cfg_file, ckpt, out])
    plain = torch.load(out, map_location='cpu')
    assert all(not k.startswith(('teacher', 'distiller', 'architecture'))
               for k in plain['state_dict'])
    assert 'optimizer' not in plain and 'message_hub' not in plain['meta']

    student_cfg = Config.fromfile(osp.splitext(out)[0] + '.py')
    stats = student_cfg.model.data_preprocessor.modalities.thermal
    if measured:
        state = torch.load(ckpt, map_location='cpu')['state_dict']
        assert stats == dict(
            mean=state['data_preprocessor.thermal_mean'].flatten().tolist(),
            std=state['data_preprocessor.thermal_std'].flatten().tolist())
    else:
        assert stats == cfg.model.data_preprocessor.modalities.thermal

    from mmseg.apis import init_model
    model = init_model(osp.splitext(out)[0] + '.py', out, device='cpu')
    assert type(model).__name__ == 'EncoderDecoder'
    algo = runner.model
    algo.eval()
    batch = next(iter(runner.build_dataloader(cfg.test_dataloader)))
    with torch.no_grad():
        want = algo.test_step(batch)
        got = model.test_step(batch)
    for w, g in zip(want, got):
        torch.testing.assert_close(g.seg_logits.data, w.seg_logits.data)
        assert torch.equal(g.pred_sem_seg.data, w.pred_sem_seg.data)
