from mmengine.runner import Runner

from ...conftest import tiny_cfg

CMKD = 'configs/detection/cmkd_mse_stf_demo.py'


def _runner(stf_demo_root, tmp_path):
    cfg = tiny_cfg(CMKD, stf_demo_root, str(tmp_path), val=True)
    cfg.default_hooks.checkpoint.save_best = 'coco/bbox_mAP'
    runner = Runner.from_cfg(cfg)
    runner.train()  # 1 iteration, then validation with best-checkpoint bookkeeping
    return runner


def test_student_and_teacher_metrics(stf_demo_root, tmp_path, monkeypatch):
    runner = _runner(stf_demo_root, tmp_path)
    loop = runner.val_loop
    answers = iter([{'coco/bbox_mAP': 0.25}, {'coco/bbox_mAP': 0.5}])
    monkeypatch.setattr(loop.evaluator, 'evaluate', lambda size: next(answers))
    assert loop.run() == {'coco/bbox_mAP': 0.25, 'teacher/coco/bbox_mAP': 0.5}


def test_no_student_metrics_skips_hooks_like_a_plain_model(stf_demo_root, tmp_path,
                                                           monkeypatch):
    """mmdet's CocoMetric returns {} while nothing is detected; save_best must not fail."""
    runner = _runner(stf_demo_root, tmp_path)
    loop = runner.val_loop
    answers = iter([{}, {'coco/bbox_mAP': 0.5}])
    monkeypatch.setattr(loop.evaluator, 'evaluate', lambda size: next(answers))
    assert loop.run() == {}
