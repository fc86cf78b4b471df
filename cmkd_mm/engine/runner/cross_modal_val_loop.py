"""Validation of the student and, on its own view, of the teacher."""
from typing import Dict, List, Sequence, Union

from mmengine.evaluator import Evaluator
from mmengine.model import is_model_wrapper
from mmengine.runner import ValLoop, autocast
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

    @property
    def algorithm(self):
        model = self.runner.model
        return model.module if is_model_wrapper(model) else model

    def run(self) -> dict:
        metrics = super().run()
        if not self.evaluate_teacher:
            return metrics
        teacher_metrics = self.run_teacher()
        metrics.update(teacher_metrics)
        # Hooks have already seen the student's metrics in ``after_val_epoch``; log the teacher's.
        self.runner.logger.info('teacher: ' + '  '.join(
            f'{k}: {v:.4f}' if isinstance(v, float) else f'{k}: {v}'
            for k, v in teacher_metrics.items()))
        self.runner.message_hub.update_scalars(
            {f'val/{k}': v for k, v in teacher_metrics.items() if isinstance(v, (int, float))})
        return metrics

    def run_teacher(self) -> dict:
        """Evaluate the teacher on the teacher view; keys are prefixed ``teacher/``."""
        self.runner.model.eval()
        for data_batch in self.dataloader:
            with autocast(enabled=self.fp16):
                outputs = self.algorithm.teacher_val_step(data_batch)
            self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        return {f'teacher/{k}': v for k, v in metrics.items()}
