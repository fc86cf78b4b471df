"""The xView2 damage students' distillation configs at demo size: the dual-teacher losses and
weights against hand formulas written here, both teachers loaded from their checkpoints, frozen
and in eval mode, and the teacher-student config's weights."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from ..conftest import ROOT

DEMO = osp.join(ROOT, 'configs', 'building_damage')
TWO = osp.join(DEMO, 'damage-kd-twoteacher_unet-r18_pre-post_xview2_demo.py')
TS = osp.join(DEMO, 'damage-kd_unet-r18_pre-post_xview2_demo.py')
SIZE = 64


def _batch(n=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = {
        m:
        [torch.randint(0, 256, (3, SIZE, SIZE), generator=g, dtype=torch.uint8) for _ in range(n)]
        for m in ('pre', 'post')
    }
    samples = []
    for _ in range(n):
        labels = torch.randint(0, 5, (1, SIZE, SIZE), generator=g)
        sample = SegDataSample(gt_sem_seg=PixelData(data=labels))
        sample.set_metainfo(dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@pytest.fixture
def two_teacher(tmp_path):
    """The demo dual-teacher algorithm with both teachers loaded from (random) checkpoints."""
    cfg = Config.fromfile(TWO)
    ckpts = {}
    for name in ('damage', 'loc'):
        init_default_scope('mmrazor')
        torch.manual_seed({'damage': 1, 'loc': 2}[name])
        from cmkd_mm.models.architectures import TeacherGroup
        spec = cfg.model.teacher.teachers[name]
        model = MODELS.build(TeacherGroup.model_config(name, spec))
        ckpts[name] = model.state_dict()
        path = str(tmp_path / f'{name}.pth')
        torch.save(dict(state_dict=ckpts[name]), path)
        cfg.model.teacher.teachers[name].ckpt = path
    init_default_scope('mmrazor')
    torch.manual_seed(0)
    algorithm = MODELS.build(cfg.model)
    return algorithm, ckpts


def test_teachers_load_their_checkpoints_and_stay_frozen(two_teacher):
    algorithm, ckpts = two_teacher
    for name, state in ckpts.items():
        loaded = getattr(algorithm.teacher, name).state_dict()
        for key, value in state.items():
            torch.testing.assert_close(loaded[key], value, rtol=0, atol=0)
    algorithm.train()
    assert not algorithm.teacher.training
    assert all(not m.training for m in algorithm.teacher.modules())
    data = algorithm.data_preprocessor(_batch(), True)
    losses = algorithm.loss(data['inputs'], data['data_samples'])
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in algorithm.teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in algorithm.student.parameters())


def test_dual_teacher_loss_weights_match_hand_formulas(two_teacher):
    """(1 - m) (SoftBCE + LWF against the damage teacher) + m * 0.5 * locLWF, m = 0.2."""
    algorithm, _ = two_teacher
    algorithm.train()
    data = algorithm.data_preprocessor(_batch(), True)
    inputs, samples = data['inputs'], data['data_samples']
    assert set(inputs) == {'damage', 'pre'} and inputs['pre'].shape[1] == 3
    losses = algorithm.loss(inputs, samples)
    with torch.no_grad():
        s = algorithm.student._forward(inputs['damage'])
        t_dmg = algorithm.teacher.damage._forward(inputs['damage'])
        t_loc = algorithm.teacher.loc._forward(inputs['pre'])
    labels = torch.stack([x.gt_sem_seg.data[0] for x in samples])
    assert s.shape == (2, 5, SIZE, SIZE) and t_loc.shape == (2, 1, SIZE, SIZE)
    onehot = F.one_hot(labels, 5).permute(0, 3, 1, 2).float()
    soft_bce = -(F.log_softmax(s, 1) * onehot).mean()
    lwf = -(F.softmax(t_dmg, 1) * F.log_softmax(s, 1) * onehot).mean()
    building = F.softmax(s / 2, 1)[:, 1:].sum(1)
    t = torch.sigmoid(t_loc[:, 0] / 2)
    y = (labels > 0).float()
    likelihood = building * y + (1 - building) * (1 - y)
    t_y = t * y + (1 - t) * (1 - y)
    loc_lwf = -(t_y * torch.log(1e-9 + likelihood)).mean() / 2
    m = 0.2
    torch.testing.assert_close(losses['student.decode.loss_soft_bce'], (1 - m) * soft_bce)
    torch.testing.assert_close(losses['distill.loss_lwf'], (1 - m) * lwf)
    torch.testing.assert_close(losses['distill.loss_loc_lwf'], m * loc_lwf)
    # the always-on tuning terms of the damage loss are still there, unweighted by m
    assert losses['student.decode.loss_damage'] > 0


def test_teacher_student_config_weights():
    cfg = Config.fromfile(TS)
    assert cfg.model.distiller.distill_losses.loss_lwf.loss_weight == 1.0
    soft = [x for x in cfg.model.architecture.decode_head.loss_decode if x['type'] == 'SoftBCELoss']
    assert [x['loss_weight'] for x in soft] == [1.0]
    assert cfg.model.teacher_view == cfg.model.student_view == 'damage'
