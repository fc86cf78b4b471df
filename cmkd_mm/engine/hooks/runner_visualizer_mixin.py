"""What the multi-modal visualisation hooks share on top of their mmdet/mmseg parents."""
import os.path as osp
from typing import Dict, List, Optional

from mmengine.utils import mkdir_or_exist


def predicted_modalities(model) -> Optional[List[str]]:
    """The modalities of the view a model predicts from: the student's view of a distillation
    algorithm, the view of a plain model; None when it has no ``MultiModalDataPreprocessor``.

    Args:
        model (nn.Module): The runner's model (a DDP wrapper is looked through).
    """
    model = getattr(model, 'module', model)
    preprocessor = getattr(model, 'data_preprocessor', None)
    views = getattr(preprocessor, 'views', None)
    if not views:
        return None
    view = getattr(model, 'student_view', None) or preprocessor.meta_view
    return list(views[view])


def loaded_specs(runner) -> Dict[str, dict]:
    """``name -> LoadModalities spec`` of the test (else val) pipeline, ``{}`` without one."""
    for key in ('test_dataloader', 'val_dataloader'):
        loader = runner.cfg.get(key) or {}
        for step in (loader.get('dataset') or {}).get('pipeline') or []:
            if str(step.get('type', '')).split('.')[-1] == 'LoadModalities':
                return {k: dict(v or {}) for k, v in step['modalities'].items()}
    return {}


def display_options(spec: Optional[dict]) -> dict:
    """``to_display`` options (``channels``, ``bit_depth``) of a modality from its
    ``LoadModalities`` spec: the channels the model reads of the file, at the file's bit depth.

    A spec reading 1 or 3 channels shows them; another count shows the first (a picture has 1
    or 3). Without a spec, the file is shown as it is (8-bit, or 16-bit when not uint8).

    Args:
        spec (dict, optional): The modality's ``LoadModalities`` spec.
    """
    spec = spec or {}
    opts = {k: spec[k] for k in ('channels', 'bit_depth') if spec.get(k) is not None}
    channels = opts.get('channels')
    if channels is not None:
        channels = list(channels)
        opts['channels'] = channels if len(channels) in (1, 3) else channels[:1]
    return opts


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
