"""Validation of the student and, on its own view, of the teacher."""
import logging
from typing import Dict, List, Union

from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import ValLoop, autocast
from mmengine.runner.loops import _parse_losses
from mmrazor.registry import LOOPS
from torch.utils.data import DataLoader


@LOOPS.register_module()
class CrossModalDistillValLoop(ValLoop):
    """Evaluate the student as a plain model, then optionally the teacher on the teacher view.

    mmrazor's ``SingleTeacherDistillValLoop`` gives the teacher the student's preprocessed batch
    (and overwrites the teacher's preprocessor), which breaks when the two see different sensors.
    This loop asks the algorithm for ``teacher_val_step`` instead. Teacher metrics are reported
    with the ``teacher/`` prefix next to the student's.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): Validation dataloader.
        evaluator (Evaluator | dict | list): Validation evaluator.
        fp16 (bool): Run under autocast.
        evaluate_teacher (bool): Also evaluate the teacher.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 fp16: bool = False,
                 evaluate_teacher: bool = True) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self.evaluate_teacher = evaluate_teacher
        self.teacher_metrics = None  # of a frozen teacher, once computed

    @property
    def algorithm(self):
        model = self.runner.model
        return model.module if is_model_wrapper(model) else model

    def run(self) -> dict:
        """Evaluate the student (and the teacher); hooks see both sets of metrics."""
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        self.val_loss.clear()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        if self.val_loss:
            metrics.update(_parse_losses(self.val_loss, 'val'))
        if self.evaluate_teacher:
            teacher = self.teacher_results()
            if metrics:
                metrics.update(teacher)
            else:
                # e.g. mmdet's CocoMetric returns nothing while the student detects nothing yet;
                # hooks then skip this epoch (best checkpoint, early stopping) as they would for
                # a plain model, instead of failing on teacher-only metrics.
                print_log(
                    f'the student gave no metrics this time; teacher: {teacher}',
                    logger='current',
                    level=logging.WARNING)
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics

    def teacher_results(self) -> dict:
        """The teacher's metrics: computed once for a frozen teacher, else every time."""
        if getattr(self.algorithm, 'teacher_trainable', False):
            return self.run_teacher()
        if self.teacher_metrics is None:
            self.teacher_metrics = self.run_teacher()
        return dict(self.teacher_metrics)

    def run_teacher(self) -> dict:
        """Evaluate the teacher on the teacher view; keys are prefixed ``teacher/``."""
        self.runner.model.eval()
        for data_batch in self.dataloader:
            with autocast(enabled=self.fp16):
                outputs = self.algorithm.teacher_val_step(data_batch)
            self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        return {f'teacher/{k}': v for k, v in metrics.items()}
