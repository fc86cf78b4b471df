"""What the multi-modal visualisation hooks share on top of their mmdet/mmseg parents."""
import os.path as osp

from mmengine.utils import mkdir_or_exist


class RunnerVisualizerMixin:
    """Draw with the runner's own visualizer, and put test pictures under the run's folder.

    Mix in before the mmdet/mmseg visualisation hook; the hook sets ``self.test_out_dir`` and
    ``self._out_dir_ready = False`` in its ``__init__``.
    """

    def before_run(self, runner) -> None:
        """Draw with the runner's own visualizer.

        The parent hook takes ``Visualizer.get_current_instance()`` when it is built, which is
        global state: another runner created in the same second can make it a different one.
        """
        self._visualizer = runner.visualizer

    def _prepare_test_out_dir(self, runner) -> None:
        """Join ``test_out_dir`` with ``work_dir/<timestamp>`` and create it, once."""
        if self.test_out_dir is not None and not self._out_dir_ready:
            self.test_out_dir = osp.join(runner.work_dir, runner.timestamp, self.test_out_dir)
            mkdir_or_exist(self.test_out_dir)
            self._out_dir_ready = True
