"""benchmark_kd times four rows; only mmrazor's row runs the teacher's detection loss."""
import json

from mmdet.models.detectors import TwoStageDetector
from mmrazor.models.algorithms import SingleTeacherDistill

from cmkd_mm.models.algorithms.cross_modal_distill import CrossModalDistill
from ..conftest import load_tool

CONFIG = 'configs/detection/cmkd_adv_stf_demo.py'


def _spy(monkeypatch, cls, name, calls):
    """Replace ``cls.name`` by a wrapper that appends ``self`` to ``calls``."""
    original = getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        calls.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, wrapper)


def test_benchmark_kd_rows_and_teacher_depth(monkeypatch, tmp_path):
    tool = load_tool('analysis_tools/benchmark_kd.py')
    detector_losses, ours, razor = [], [], []
    _spy(monkeypatch, TwoStageDetector, 'loss', detector_losses)
    _spy(monkeypatch, CrossModalDistill, 'loss', ours)
    _spy(monkeypatch, SingleTeacherDistill, 'loss', razor)

    out = tmp_path / 'bench.json'
    results = tool.main([
        CONFIG, '--synthetic', '64', '96', '--batch-size', '2', '--iters', '1', '--warmup', '0',
        '--device', 'cpu', '--out', str(out)
    ])

    rows = {row['name']: row for row in results['rows']}
    assert list(rows) == [tool.STUDENT_ROW, tool.TEACHER_ROW, tool.OURS_ROW, tool.MMRAZOR_ROW]
    assert all(row['ms_mean'] > 0 for row in rows.values())
    assert rows[tool.STUDENT_ROW]['relative'] == 1.0
    assert results['batch_shapes'] == dict(student=(2, 3, 64, 96), teacher=(2, 6, 64, 96))
    assert json.loads(out.read_text())['rows'][0]['name'] == tool.STUDENT_ROW

    # One step each: CrossModalDistill.loss once (its own), SingleTeacherDistill.loss once.
    assert len(ours) == 1 and len(razor) == 1
    ours_teacher, razor_teacher = ours[0].teacher, razor[0].teacher
    assert sum(d is razor_teacher for d in detector_losses) == 1  # mmrazor: full teacher loss
    assert sum(d is ours_teacher for d in detector_losses) == 0  # ours: extract_feat only
    assert results['teacher_mode'] == 'extract_feat'
    # Student losses: the student-only row, our student and mmrazor's student.
    students = {id(ours[0].student), id(razor[0].student)}
    assert sum(id(d) in students for d in detector_losses) == 2
    assert len(detector_losses) == 4
