"""The CEKD config wires the four distillation terms to the right tensors of both networks."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmrazor.registry import MODELS
from mmseg.structures import SegDataSample

from cmkd_mm.utils.config import load_config
from ...conftest import ROOT

CONFIG = 'configs/segmentation/cekd_cenet-to-eknet-r18_rgb-thermal-to-thermal_mfnet_demo.py'
H, W = 64, 96  # multiples of 32: no padding


@pytest.fixture(scope='module')
def algorithm():
    torch.manual_seed(0)
    cfg = load_config(osp.join(ROOT, CONFIG))
    cfg.model.architecture.backbone.bot_cfg.fmap_size = (4, 6)
    cfg.model.teacher.backbone.main.bot_cfg.fmap_size = (4, 6)
    cfg.model.teacher.backbone.aux.bot_cfg.fmap_size = (4, 6)
    cfg.model.architecture.enhancement.pool_size = (2, 2)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(cfg.model)


def batch(n=2):
    samples = []
    for _ in range(n):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 9, (1, H, W)))
        s.set_metainfo(dict(img_shape=(H, W), ori_shape=(H, W)))
        samples.append(s)
    inputs = dict(
        rgb=[torch.randint(0, 256, (3, H, W), dtype=torch.uint8) for _ in range(n)],
        thermal=[torch.randint(0, 256, (1, H, W), dtype=torch.uint8) for _ in range(n)])
    return dict(inputs=inputs, data_samples=samples)


def capture(model, names):
    seen, handles = {}, []
    for name in names:
        module = model.get_submodule(name)
        handles.append(
            module.register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, o)))
    return seen, handles


def test_cekd_losses_match_the_formulas_on_the_recorded_tensors(algorithm):
    algorithm.train()
    data = algorithm.data_preprocessor(batch(), training=True)
    names = ['backbone', 'decode_head.deconv1', 'decode_head.hint_layer']
    seen_s, hs = capture(algorithm.student, names)
    seen_t, ht = capture(algorithm.teacher, names)
    losses = algorithm(**data, mode='loss')
    for h in hs + ht:
        h.remove()

    assert set(losses) == {
        'distill.loss_sim', 'distill.loss_kdce', 'distill.loss_hint', 'distill.loss_seg'
    }  # no ground-truth loss, as in CEKD
    assert not algorithm.teacher.training  # frozen teacher in eval mode

    f_s, f_t = seen_s['backbone'][-1], seen_t['backbone'][-1]
    assert f_s.shape[1] == f_t.shape[1] == 128  # the last (fused) encoder stage
    sim = lambda f: torch.einsum('nci,ncj->nij', *[F.normalize(f.flatten(2), dim=1)] * 2)  # noqa
    hw = f_s.shape[2] * f_s.shape[3]
    expected_sim = ((sim(f_t) - sim(f_s))**2).sum() / hw**2 / f_s.shape[0]
    z_s, z_t = seen_s['decode_head.deconv1'], seen_t['decode_head.deconv1']
    assert z_s.shape == (2, 9, H, W)
    expected_kdce = -(F.softmax(z_t / 6, 1) * F.log_softmax(z_s / 6, 1)).sum(1).mean()
    expected_hint = F.mse_loss(seen_s['decode_head.hint_layer'], seen_t['decode_head.hint_layer'])
    expected_seg = F.cross_entropy(z_s, z_t.argmax(1))
    torch.testing.assert_close(losses['distill.loss_sim'], expected_sim, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(losses['distill.loss_kdce'], expected_kdce)
    torch.testing.assert_close(losses['distill.loss_hint'], expected_hint)
    torch.testing.assert_close(losses['distill.loss_seg'], expected_seg)


def test_only_the_student_gets_gradients(algorithm):
    algorithm.train()
    algorithm.zero_grad()
    data = algorithm.data_preprocessor(batch(), training=True)
    losses = algorithm(**data, mode='loss')
    sum(losses.values()).backward()
    assert all(p.grad is None for p in algorithm.teacher.parameters())
    assert algorithm.student.enhancement.fc[-1].weight.grad is not None
    assert algorithm.student.backbone.conv1.weight.grad.abs().sum() > 0
