"""Draw a modality, the prediction and the ground truth of a segmentation sample side by side."""
import os.path as osp
from typing import List, Optional, Sequence, Union

import mmcv
import numpy as np
from mmengine.registry import HOOKS
from mmseg.engine.hooks import SegVisualizationHook
from mmseg.structures import SegDataSample

from cmkd_mm.datasets.transforms.loading import decode_image
from .multimodal_det_visualization_hook import to_display
from .runner_visualizer_mixin import RunnerVisualizerMixin


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

    Each picture has panels side by side: the ``modality`` image(s) of the sample (read again
    from ``modality_paths``, or ``img_path`` when the sample has none, and made 8-bit RGB with
    ``modality_cfg``; e.g. ``modality=['pre', 'post']`` gives pre | post | prediction | ground
    truth), the prediction and the ground truth, both coloured with the dataset palette
    (ids outside the palette, e.g. ignored pixels 255, black). A sample without ground truth gets
    two panels. With ``--show-dir DIR`` (``tools/test.py``) every test sample is written to
    ``work_dir/<timestamp>/DIR/<name>.png``, ``<name>`` being the modality file's name without
    extension; without it, the pictures go to the visualizer's backends. In validation, every
    ``interval``-th batch is drawn to the visualizer's backends.

    Args:
        modality (str | list[str]): Modality (or modalities, one panel each) drawn first.
            Defaults to ``'thermal'``.
        modality_cfg (dict, optional): ``to_display`` options of those modalities
            (``channels``, ``bit_depth``). Defaults to ``dict(channels=[3], bit_depth=8)``: the
            thermal channel of an MFNet RGBA file.
        test_out_dir (str, optional): Folder (relative to ``work_dir/<timestamp>``) of the test
            pictures. Defaults to None.
        **kwargs: ``SegVisualizationHook`` arguments (``draw``, ``interval``, ``show``,
            ``wait_time``, ``backend_args``).
    """

    def __init__(self,
                 modality: Union[str, Sequence[str]] = 'thermal',
                 modality_cfg: Optional[dict] = None,
                 test_out_dir: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.modalities = [modality] if isinstance(modality, str) else list(modality)
        self.modality_cfg = dict(
            modality_cfg if modality_cfg is not None else dict(channels=[3], bit_depth=8))
        self.test_out_dir = test_out_dir
        self._out_dir_ready = False  # test_out_dir joined with work_dir/timestamp once
        self._test_index = 0

    def _image_paths(self, data_sample: SegDataSample) -> List[str]:
        paths = data_sample.get('modality_paths')
        if not paths:
            return [data_sample.img_path]
        missing = [m for m in self.modalities if m not in paths]
        if missing:
            raise KeyError(f'{self.__class__.__name__}: no modality {missing} in the sample '
                           f'(it has {sorted(paths)}); fix "modality" of the hook')
        return [paths[m] for m in self.modalities]

    def _image_path(self, data_sample: SegDataSample) -> str:
        return self._image_paths(data_sample)[0]

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
        for path in self._image_paths(data_sample):
            img = decode_image(path, self.backend_args)
            channels = self.modality_cfg.get('channels')
            if channels is not None and max(channels) >= img.shape[2]:
                raise ValueError(f'{path}: has {img.shape[2]} channel(s), the hook shows '
                                 f'channels {list(channels)}; fix modality_cfg of '
                                 f'{self.__class__.__name__}.')
            panels.append(to_display(img, **self.modality_cfg))
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
