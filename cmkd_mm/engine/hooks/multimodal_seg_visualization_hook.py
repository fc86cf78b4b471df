"""Draw a modality, the prediction and the ground truth of a segmentation sample side by side."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmengine.registry import HOOKS
from mmseg.engine.hooks import SegVisualizationHook
from mmseg.structures import SegDataSample

from cmkd_mm.datasets.transforms.loading import decode_image
from .multimodal_det_visualization_hook import to_display
from .runner_visualizer_mixin import (RunnerVisualizerMixin, display_options, loaded_specs,
                                      predicted_modalities)

# Drawn when the hook is given no modality and the model has no MultiModalDataPreprocessor: the
# thermal channel of an MFNet RGBA file.
DEFAULT_MODALITY = 'thermal'
DEFAULT_MODALITY_CFG = dict(channels=[3], bit_depth=8)


def colorize(label: np.ndarray, palette: Sequence[Sequence[int]]) -> np.ndarray:
    """``H x W`` class ids to an ``H x W x 3`` RGB picture; ids outside the palette are black.

    Args:
        label (np.ndarray): Class ids (e.g. 255 for ignored pixels, drawn black).
        palette (sequence): RGB colour of each class.
    """
    colours = np.asarray(palette, np.uint8).reshape(-1, 3)
    out = np.zeros(label.shape + (3, ), np.uint8)
    known = (label >= 0) & (label < len(colours))
    out[known] = colours[label[known]]
    return out


@HOOKS.register_module()
class MultiModalSegVisualizationHook(RunnerVisualizerMixin, SegVisualizationHook):
    """mmseg's ``SegVisualizationHook`` drawing named modalities, the prediction and the GT.

    Each picture has panels side by side: the image(s) of the drawn modalities (read again from
    the sample's ``modality_paths``, or ``img_path`` when the sample has none, and made 8-bit
    RGB; e.g. ``modality=['pre', 'post']`` gives pre | post | prediction | ground truth), the
    prediction and the ground truth, both coloured with the dataset palette (ids outside the
    palette, e.g. ignored pixels 255, black). A sample without ground truth has no ground-truth
    panel. By default the drawn modalities are those the model predicts from (a student: the
    sensor it sees; a teacher: each of its sensors), each shown as the test pipeline's
    ``LoadModalities`` reads it (its ``channels`` and ``bit_depth``). With ``--show-dir DIR``
    (``tools/test.py``) every test sample is written to ``work_dir/<timestamp>/DIR/<name>.png``,
    ``<name>`` being the first drawn file's name without extension; without it, the pictures go
    to the visualizer's backends. In validation, every ``interval``-th batch is drawn to the
    visualizer's backends.

    Args:
        modality (str | list[str], optional): Modality (or modalities, one panel each) drawn
            first. Default None: those of the model's predicting view
            (``MultiModalDataPreprocessor``), else ``'thermal'``.
        modality_cfg (dict, optional): ``to_display`` options (``channels``, ``bit_depth``) of
            every drawn modality. Default None: with ``modality`` given,
            ``dict(channels=[3], bit_depth=8)`` (the thermal channel of an MFNet RGBA file);
            without it, each modality's options from the test pipeline's ``LoadModalities``.
        test_out_dir (str, optional): Folder (relative to ``work_dir/<timestamp>``) of the test
            pictures. Defaults to None.
        **kwargs: ``SegVisualizationHook`` arguments (``draw``, ``interval``, ``show``,
            ``wait_time``, ``backend_args``).
    """

    def __init__(self,
                 modality: Union[str, Sequence[str], None] = None,
                 modality_cfg: Optional[dict] = None,
                 test_out_dir: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.modality_cfg = None if modality_cfg is None else dict(modality_cfg)
        self.modalities: Optional[Dict[str, dict]] = None  # the model's, in before_run
        if modality is not None:
            names = [modality] if isinstance(modality, str) else list(modality)
            opts = self.modality_cfg if self.modality_cfg is not None else DEFAULT_MODALITY_CFG
            self.modalities = {m: dict(opts) for m in names}
        self.test_out_dir = test_out_dir
        self._out_dir_ready = False  # test_out_dir joined with work_dir/timestamp once
        self._test_index = 0

    def before_run(self, runner) -> None:
        super().before_run(runner)
        if self.modalities is not None:
            return
        names = predicted_modalities(runner.model)
        if names is None:
            self.modalities = self._default_modalities()
            return
        specs = loaded_specs(runner)
        if self.modality_cfg is not None:
            self.modalities = {m: dict(self.modality_cfg) for m in names}
        else:
            self.modalities = {m: display_options(specs.get(m)) for m in names}

    def _default_modalities(self) -> Dict[str, dict]:
        opts = self.modality_cfg if self.modality_cfg is not None else DEFAULT_MODALITY_CFG
        return {DEFAULT_MODALITY: dict(opts)}

    def _images(self, data_sample: SegDataSample) -> List[Tuple[str, dict]]:
        """``(file, display options)`` of each drawn modality of the sample."""
        if self.modalities is None:  # drawn without a run (before_run not called)
            self.modalities = self._default_modalities()
        paths = data_sample.get('modality_paths')
        if not paths:
            return [(data_sample.img_path, next(iter(self.modalities.values())))]
        missing = [m for m in self.modalities if m not in paths]
        if missing:
            raise KeyError(f'{self.__class__.__name__}: no modality {missing} in the sample '
                           f'(it has {sorted(paths)}); fix "modality" of the hook')
        return [(paths[m], opts) for m, opts in self.modalities.items()]

    def _image_path(self, data_sample: SegDataSample) -> str:
        return self._images(data_sample)[0][0]

    def _palette(self, runner, mode: str) -> list:
        """The palette of the dataset being evaluated, else of the visualizer's dataset_meta."""
        try:
            loader = runner.test_dataloader if mode == 'test' else runner.val_dataloader
            palette = loader.dataset.metainfo.get('palette')
        except (AttributeError, KeyError, RuntimeError):
            palette = None
        if palette is None:
            palette = (getattr(self._visualizer, 'dataset_meta', None) or {}).get('palette')
        if palette is None:
            raise ValueError(f'{self.__class__.__name__}: the dataset has no "palette" in its '
                             f'metainfo; give the dataset class a METAINFO palette or set '
                             f'metainfo=dict(palette=...) in the dataset config.')
        return palette

    def draw_sample(self, data_sample: SegDataSample, palette: list) -> np.ndarray:
        """The ``H x (2|3)W x 3`` RGB picture of one sample.

        Args:
            data_sample (SegDataSample): A prediction with ``pred_sem_seg`` (and ``gt_sem_seg``).
            palette (list): RGB colour of each class.
        """
        panels = []
        for path, opts in self._images(data_sample):
            img = decode_image(path, self.backend_args)
            channels = opts.get('channels')
            if channels is not None and max(channels) >= img.shape[2]:
                raise ValueError(f'{path}: has {img.shape[2]} channel(s), the hook shows '
                                 f'channels {list(channels)}; fix modality_cfg of '
                                 f'{self.__class__.__name__}.')
            panels.append(to_display(img, **opts))
        for field in ('pred_sem_seg', 'gt_sem_seg'):
            if field not in data_sample:
                continue
            label = data_sample.get(field).data.cpu().numpy()[0]
            if label.shape != img.shape[:2]:
                label = mmcv.imresize(
                    label.astype(np.uint8), img.shape[1::-1], interpolation='nearest')
            panels.append(colorize(label, palette))
        return np.concatenate(panels, axis=1)

    def after_val_iter(self, runner, batch_idx: int, data_batch: dict,
                       outputs: Sequence[SegDataSample]) -> None:
        if self.draw is False or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        palette = self._palette(runner, 'val')
        for data_sample in outputs:
            name = osp.splitext(osp.basename(self._image_path(data_sample)))[0]
            picture = self.draw_sample(data_sample, palette)
            if self.show:
                self._visualizer.show(picture, win_name=f'val_{name}', wait_time=self.wait_time)
            else:
                self._visualizer.add_image(f'val_{name}', picture, step=runner.iter)

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[SegDataSample]) -> None:
        if self.draw is False:
            return
        self._prepare_test_out_dir(runner)
        palette = self._palette(runner, 'test')
        for data_sample in outputs:
            self._test_index += 1
            name = osp.splitext(osp.basename(self._image_path(data_sample)))[0]
            picture = self.draw_sample(data_sample, palette)
            if self.show:
                self._visualizer.show(picture, win_name=name, wait_time=self.wait_time)
            if self.test_out_dir is not None:
                mmcv.imwrite(picture[..., ::-1], osp.join(self.test_out_dir, f'{name}.png'))
            elif not self.show:
                self._visualizer.add_image(f'test_{name}', picture, step=self._test_index)
