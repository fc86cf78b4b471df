"""Runner-saved checkpoints work as teacher_ckpt, load_from and for --resume (torch >= 2.6)."""
import os.path as osp

import torch
from mmengine.runner import Runner

from ...conftest import tiny_cfg

TEACHER = 'configs/demo/teacher_fcn-r18_rgb-thermal_mfnet_demo.py'
CMKD = 'configs/demo/cmkd-adv_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py'


def test_teacher_to_student_and_resume(mfnet_demo_root, tmp_path):
    # 1. train a teacher with the Runner
    teacher_dir = str(tmp_path / 'teacher')
    Runner.from_cfg(tiny_cfg(TEACHER, mfnet_demo_root, teacher_dir, iters=2)).train()
    teacher_ckpt = osp.join(teacher_dir, 'iter_2.pth')
    saved = torch.load(teacher_ckpt, map_location='cpu')  # default weights_only=True
    assert 'message_hub' in saved  # HistoryBuffer & numpy inside

    # 2. distil from it: the teacher weights are the checkpoint's, and stay fixed
    student_dir = str(tmp_path / 'student')
    cfg = tiny_cfg(CMKD, mfnet_demo_root, student_dir, iters=2)
    cfg.model.teacher_ckpt = teacher_ckpt
    runner = Runner.from_cfg(cfg)
    runner.train()
    teacher_sd = runner.model.teacher.state_dict()
    for k, v in saved['state_dict'].items():
        torch.testing.assert_close(teacher_sd[k], v, msg=k)

    # 3. resume the distillation run where it stopped
    last = torch.load(osp.join(student_dir, 'iter_2.pth'), map_location='cpu')
    cfg = tiny_cfg(CMKD, mfnet_demo_root, student_dir, iters=3)
    cfg.model.teacher_ckpt = teacher_ckpt
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    resumed.load_or_resume()
    assert resumed.iter == 2
    state = resumed.model.state_dict()
    for k, v in last['state_dict'].items():
        torch.testing.assert_close(state[k], v, msg=k)
    resumed.train()
    assert resumed.iter == 3
    assert osp.isfile(osp.join(student_dir, 'iter_3.pth'))

    # 4. load_from a distillation checkpoint for evaluation only
    cfg = tiny_cfg(CMKD, mfnet_demo_root, str(tmp_path / 'eval'), val=True)
    cfg.load_from = osp.join(student_dir, 'iter_3.pth')
    metrics = Runner.from_cfg(cfg).val()
    assert 'mIoU' in metrics and 'teacher/mIoU' in metrics
