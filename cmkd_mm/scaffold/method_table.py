"""The configs a new pair is built on: per task and method family, the method bases
(``configs/_base_/methods/``), the schedule (``configs/_base_/schedules/``), the generic recipe
(``configs/recipes/``) and the metric its report shows. The one place that names them."""
from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class Method:
    """One trained model of a pair.

    Args:
        role (str): ``'teacher'`` (the teacher's modalities), ``'baseline'`` (the student's
            modalities, no distillation) or ``'student'`` (distilled from the teacher).
        base (str): Its method base, under ``configs/_base_/methods/``, named
            ``{method}_{model}.py``.
        label (str): Its row in the recipe's report.
    """
    role: str
    base: str
    label: str

    @property
    def method(self) -> str:
        """The method field of the base's name (``'cmkd-mse'``)."""
        return self.base.split('_', 1)[0]

    @property
    def model(self) -> str:
        """The model field of the base's name (``'faster-rcnn-r50-fpn'``)."""
        return self.base[:-3].split('_', 1)[1]


@dataclass(frozen=True)
class MethodFamily:
    """The models a pair trains for one task, in training order (the teacher first).

    Args:
        methods (tuple[Method]): Teacher, baseline and students.
        schedule (str): The schedule base, under ``configs/_base_/schedules/``.
        recipe (str): The task's generic recipe, under ``configs/recipes/`` (used when present).
        metric (str): The metric the report shows (the schedule keeps its best checkpoint).
        metric_label (str): Its name in the report.
        scale (float): Factor to percent.
        edge_labels (bool): The teacher needs edge labels (``GenerateEdgeLabels``) in training.
    """
    methods: Tuple[Method, ...]
    schedule: str
    recipe: str
    metric: str
    metric_label: str
    scale: float = 1.
    edge_labels: bool = False


#: ``task -> family -> MethodFamily``; the first family of a task is its default.
PAIR_METHODS: Dict[str, Dict[str, MethodFamily]] = dict(
    det=dict(
        cmkd=MethodFamily((Method('teacher', 'teacher_faster-rcnn-r50-fpn.py', 'Teacher'),
                           Method('baseline', 'baseline_faster-rcnn-r50-fpn.py', 'Baseline'),
                           Method('student', 'cmkd-mse_faster-rcnn-r50-fpn.py', 'CMKD-MSE'),
                           Method('student', 'cmkd-adv_faster-rcnn-r50-fpn.py', 'CMKD-Adv')),
                          schedule='det_sgd_12e.py',
                          recipe='pair_det.py',
                          metric='coco/bbox_mAP',
                          metric_label='COCO bbox mAP',
                          scale=100.)),
    seg=dict(
        fcn=MethodFamily(
            (Method('teacher', 'teacher_fcn-r18.py',
                    'Teacher'), Method('baseline', 'baseline_fcn-r18.py', 'Baseline'),
             Method('student', 'cmkd-mse-cwd_fcn-r18.py',
                    'CMKD MSE + CWD'), Method('student', 'cmkd-adv_fcn-r18.py', 'CMKD-Adv')),
            schedule='cekd_sgd_200e.py',
            recipe='pair_seg.py',
            metric='mIoU',
            metric_label='mIoU'),
        cekd=MethodFamily((Method('teacher', 'teacher_cenet-r50-bot.py', 'Teacher CENet'),
                           Method('baseline', 'baseline_eknet-r50-bot.py', 'Baseline EKNet'),
                           Method('student', 'cekd_cenet-to-eknet-r50-bot.py', 'CEKD EKNet')),
                          schedule='cekd_sgd_200e.py',
                          recipe='pair_seg.py',
                          metric='mIoU',
                          metric_label='mIoU',
                          edge_labels=True)),
    cls=dict(
        kd1=MethodFamily((Method('teacher', 'teacher_resnet34.py', 'Teacher'),
                          Method('baseline', 'baseline_resnet34.py', 'Baseline'),
                          Method('student', 'kd1_resnet34.py', 'KD1')),
                         schedule='mavoc_sgd_step.py',
                         recipe='pair_cls.py',
                         metric='accuracy/top1',
                         metric_label='top-1 accuracy')))


def method_family(task: str, family: str = None) -> MethodFamily:
    """The family ``family`` of ``task`` (default: the task's first).

    Raises:
        KeyError: Unknown task or family (the message lists them).
    """
    if task not in PAIR_METHODS:
        raise KeyError(f'unknown task {task!r}; the tasks are {list(PAIR_METHODS)}')
    families = PAIR_METHODS[task]
    if family is None:
        return next(iter(families.values()))
    if family not in families:
        raise KeyError(f'unknown methods {family!r} for {task}; give one of {list(families)}')
    return families[family]
