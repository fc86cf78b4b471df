"""Refuse, when the run starts, a segmentation val/test pipeline that resizes the labels."""
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...datasets.pipeline_inspection import inner_dataset, label_resized_before_eval


@HOOKS.register_module()
class CheckEvalPipelineHook(Hook):
    """Check the val/test pipelines of a segmentation run before the first iteration.

    Segmentation predictions come back at the original image size, so a val/test pipeline that
    loads the label before a ``Resize`` scores label maps of another size: without this check
    that surfaces at the first validation, after a whole epoch of training. The val pipeline is
    checked before training and before validation, the test pipeline before testing.
    """
    priority = 'VERY_HIGH'

    @staticmethod
    def check(runner, split: str) -> None:
        """Raise ``ValueError`` when ``<split>_dataloader``'s pipeline resizes the label."""
        dataset = (runner.cfg.get(f'{split}_dataloader') or {}).get('dataset') or {}
        problem = label_resized_before_eval(inner_dataset(dataset).get('pipeline') or [])
        if problem:
            raise ValueError(
                f'{split}_dataloader pipeline: {problem}, so the label is resized with the image '
                'while predictions come back at the original size. Load the label after the '
                "resize (mmseg's order: load image, Resize, load annotations), or drop the "
                f'Resize from the {split} pipeline.')

    def before_train(self, runner) -> None:
        if runner.val_loop is not None:
            self.check(runner, 'val')

    def before_val(self, runner) -> None:
        self.check(runner, 'val')

    def before_test(self, runner) -> None:
        self.check(runner, 'test')
