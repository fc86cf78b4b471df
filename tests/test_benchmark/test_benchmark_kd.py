"""benchmark_kd times every row of every config; only mmrazor's row runs the teacher's loss,
the warm-cache row never runs the teacher, and mmrazor's row is left out where one tensor cannot
feed both models. With --world-size 2 it times the DDP rows on two gloo processes."""
import json

import pytest
from mmdet.models.detectors import TwoStageDetector
from mmrazor.models.algorithms import SingleTeacherDistill

from cmkd_mm.benchmark.benchmark_kd import (CACHE_ROW, MMRAZOR_ROW, OURS_ROW, STUDENT_ROW,
                                            TEACHER_ROW)
from cmkd_mm.models.algorithms.cross_modal_distill import CrossModalDistill
from ..conftest import load_tool

CONFIG = 'configs/detection/cmkd-adv_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py'
SEG = 'configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py'
CLS = 'configs/classification/ntire2021/kd1_resnet18_sar-to-eo_mavoc2021_demo.py'


def _spy(monkeypatch, cls, name, calls):
    """Replace ``cls.name`` by a wrapper that appends ``self`` to ``calls``."""
    original = getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        calls.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, wrapper)


def test_benchmark_kd_rows_and_teacher_depth(monkeypatch, tmp_path):
    tool = load_tool('analysis_tools/benchmark_kd.py')
    detector_losses, ours, razor, teacher_runs = [], [], [], []
    _spy(monkeypatch, TwoStageDetector, 'loss', detector_losses)
    _spy(monkeypatch, CrossModalDistill, 'loss', ours)
    _spy(monkeypatch, CrossModalDistill, 'run_teachers', teacher_runs)
    _spy(monkeypatch, SingleTeacherDistill, 'loss', razor)

    out = tmp_path / 'bench.json'
    results = tool.main([
        CONFIG, '--synthetic', '64', '96', '--batch-size', '2', '--iters', '1', '--warmup', '0',
        '--device', 'cpu', '--out',
        str(out)
    ])
    (result, ) = results['configs']
    rows = {row['name']: row for row in result['rows']}
    assert list(rows) == [STUDENT_ROW, TEACHER_ROW, OURS_ROW, CACHE_ROW, MMRAZOR_ROW]
    assert all(row['ms_mean'] > 0 for row in rows.values())
    assert rows[STUDENT_ROW]['relative'] == 1.0
    assert rows[CACHE_ROW]['cache_bytes_per_sample'] > 0
    assert result['batch_shapes'] == dict(student=(2, 3, 64, 96), teacher=(2, 6, 64, 96))
    assert json.loads(out.read_text())['configs'][0]['rows'][0]['name'] == STUDENT_ROW
    assert set(result['targets']) == {'no_cache', 'warm_cache'}

    # Our rows: one step without cache, one filling the cache and one replaying it.
    assert len(ours) == 3 and len(razor) == 1
    (cached, ) = {id(m): m for m in ours if m.teacher_cache is not None}.values()
    (plain, ) = {id(m): m for m in ours if m.teacher_cache is None}.values()
    # the teacher ran in the teacher row, our row and the filling step, never when replayed
    assert sum(m is cached for m in teacher_runs) == 1 and cached.teacher_cache.hits == 1
    razor_teacher = razor[0].teacher
    assert sum(d is razor_teacher for d in detector_losses) == 1  # mmrazor: full teacher loss
    assert not any(d is plain.teacher or d is cached.teacher for d in detector_losses)
    assert result['teacher_mode'] == 'extract_feat'
    # Student losses: the student-only row, our 3 student steps and mmrazor's student.
    assert len(detector_losses) == 6


def test_segmentation_and_classification_in_one_table(tmp_path):
    tool = load_tool('analysis_tools/benchmark_kd.py')
    results = tool.main([
        SEG, CLS, '--synthetic', '32', '32', '--batch-size', '2', '--iters', '1', '--warmup', '0',
        '--device', 'cpu'
    ])
    seg, cls = results['configs']
    assert [r['name'] for r in seg['rows']][-1] == MMRAZOR_ROW  # thermal of RGB + thermal
    assert MMRAZOR_ROW not in [r['name'] for r in cls['rows']]  # EO student, SAR teacher
    assert cls['mmrazor_skipped'] and 'n/a' in results['table']
    assert '| cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo |' in results['table']


def test_two_ranks_time_the_ddp_rows(mfnet_demo_root, tmp_path):
    tool = load_tool('analysis_tools/benchmark_kd.py')
    out = tmp_path / 'ddp.json'
    results = tool.main([
        SEG, '--world-size', '2', '--iters', '1', '--warmup', '1', '--batch-size', '2', '--threads',
        '1', '--device', 'cpu', '--out',
        str(out), '--cfg-options', f'train_dataloader.dataset.data_root={mfnet_demo_root}'
    ])
    assert results['world_size'] == 2 and results['device'] == 'cpu (gloo)'
    (result, ) = results['configs']
    rows = {row['name']: row for row in result['rows']}
    assert list(rows) == [STUDENT_ROW, OURS_ROW, CACHE_ROW]
    assert all(row['ms_mean'] > 0 for row in rows.values())
    student = rows[STUDENT_ROW]['ms_mean']
    assert result['ratios'] == dict(
        online=pytest.approx(rows[OURS_ROW]['ms_mean'] / student),
        warm_cache=pytest.approx(rows[CACHE_ROW]['ms_mean'] / student))
    # each rank trained on its own batch of the train dataloader
    assert [b.split(' student')[0] for b in result['batches']
            ] == [f'rank {r}: batch (train_dataloader batch {r})' for r in range(2)]
    for name in rows:
        assert f'| 2 | cpu (gloo) | {name} |' in results['table']
    assert json.loads(out.read_text())['table'] == results['table']
