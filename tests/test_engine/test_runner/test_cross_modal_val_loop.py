import pytest
from mmengine.runner import Runner

from ...conftest import tiny_cfg

CMKD = 'configs/detection/cmkd-mse_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py'


@pytest.fixture(scope='module')
def runner(stf_demo_root, tmp_path_factory):
    cfg = tiny_cfg(CMKD, stf_demo_root, str(tmp_path_factory.mktemp('val_loop')), val=True)
    cfg.default_hooks.checkpoint.save_best = 'coco/bbox_mAP'
    runner = Runner.from_cfg(cfg)
    runner.train()  # 1 iteration, then validation with best-checkpoint bookkeeping
    return runner


@pytest.fixture
def loop(runner):
    runner.val_loop.teacher_metrics = None  # evaluate the teacher again in each test
    return runner.val_loop


def test_student_and_teacher_metrics(loop, monkeypatch):
    answers = iter([{'coco/bbox_mAP': 0.25}, {'coco/bbox_mAP': 0.5}])
    monkeypatch.setattr(loop.evaluator, 'evaluate', lambda size: next(answers))
    assert loop.run() == {'coco/bbox_mAP': 0.25, 'teacher/coco/bbox_mAP': 0.5}


def test_no_student_metrics_skips_hooks_like_a_plain_model(loop, monkeypatch):
    """mmdet's CocoMetric returns {} while nothing is detected; save_best must not fail."""
    answers = iter([{}, {'coco/bbox_mAP': 0.5}])
    monkeypatch.setattr(loop.evaluator, 'evaluate', lambda size: next(answers))
    assert loop.run() == {}


def test_frozen_teacher_is_evaluated_once(loop, monkeypatch):
    calls = []
    step = loop.algorithm.teacher_val_step
    monkeypatch.setattr(loop.algorithm, 'teacher_val_step',
                        lambda data: calls.append(1) or step(data))
    answers = iter([{
        'coco/bbox_mAP': 0.25
    }, {
        'coco/bbox_mAP': 0.5
    }, {
        'coco/bbox_mAP': 0.3
    }, {
        'coco/bbox_mAP': 0.35
    }])
    monkeypatch.setattr(loop.evaluator, 'evaluate', lambda size: next(answers))
    results = [loop.run() for _ in range(3)]
    assert len(calls) == len(loop.dataloader)  # one pass over the val set in 3 validations
    assert [r['teacher/coco/bbox_mAP'] for r in results] == [0.5] * 3
    assert [r['coco/bbox_mAP'] for r in results] == [0.25, 0.3, 0.35]
