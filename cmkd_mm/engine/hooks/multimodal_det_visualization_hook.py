"""Draw detections on several modalities of a sample."""
import os.path as osp
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmdet.engine.hooks import DetVisualizationHook
from mmengine.registry import HOOKS

from cmkd_mm.datasets.transforms.loading import decode_image
from cmkd_mm.datasets.transforms.registration import warp_window
from .runner_visualizer_mixin import (RunnerVisualizerMixin, display_options, loaded_specs,
                                      predicted_modalities)


def to_display(img: np.ndarray,
               bit_depth: Optional[int] = None,
               channels: Optional[Sequence[int]] = None) -> np.ndarray:
    """Turn a modality image into an 8-bit 3-channel RGB picture.

    Args:
        img (np.ndarray): ``H x W x C`` image as decoded (RGB order).
        bit_depth (int, optional): Bits the values use (10 for a 10-bit gated slice); default 8
            for uint8 images and 16 otherwise.
        channels (sequence[int], optional): Channels to show (1 or 3).
    """
    if img.ndim == 2:
        img = img[..., None]
    if channels is not None:
        img = img[..., list(channels)]
    depth = bit_depth or (8 if img.dtype == np.uint8 else 16)
    img = np.clip(img.astype(np.float32) * (255. / (2**depth - 1)), 0, 255).astype(np.uint8)
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    return np.ascontiguousarray(img[..., :3])


@HOOKS.register_module()
class MultiModalDetVisualizationHook(RunnerVisualizerMixin, DetVisualizationHook):
    """mmdet's ``DetVisualizationHook`` drawing on each named modality, in the label frame.

    The predictions of a sample are in its reference (label) frame. Each modality listed in
    ``modalities`` is read again from ``modality_paths``, made 8-bit RGB, registered onto that
    frame with the windows ``RegisterModalities`` recorded, and drawn with boxes. With
    ``--show-dir DIR`` (``tools/test.py``) the pictures go to
    ``work_dir/<timestamp>/DIR/<sample>_<modality>.png``. By default it draws on the modalities
    the model predicts from (a student: the sensor it sees; a teacher: each of its sensors),
    each shown as the test pipeline's ``LoadModalities`` reads it (``display_options``).

    Args:
        modalities (list[str] | dict, optional): Modalities to draw on, or ``name ->
            dict(bit_depth=..., channels=[...])`` display options. Default None: those of the
            model's predicting view (``MultiModalDataPreprocessor``), else ``['rgb']``.
        **kwargs: ``DetVisualizationHook`` arguments (``draw``, ``interval``, ``score_thr``,
            ``show``, ``wait_time``, ``test_out_dir``, ``backend_args``).
    """

    def __init__(self, modalities: Union[Sequence[str], Dict[str, dict], None] = None, **kwargs):
        super().__init__(**kwargs)
        self._out_dir_ready = False  # test_out_dir joined with work_dir/timestamp once
        if modalities is None:
            self.modalities = None  # the model's, in before_run
        elif isinstance(modalities, dict):
            self.modalities = {k: dict(v or {}) for k, v in modalities.items()}
        else:
            self.modalities = {k: {} for k in modalities}

    def before_run(self, runner) -> None:
        super().before_run(runner)
        if self.modalities is None:
            specs = loaded_specs(runner)
            names = predicted_modalities(runner.model) or ['rgb']
            self.modalities = {m: display_options(specs.get(m)) for m in names}

    def _images(self, data_sample):
        """Yield ``(modality, picture)`` for the sample, registered to its label frame."""
        paths = data_sample.get('modality_paths') or {'img': data_sample.img_path}
        registration = data_sample.get('registration') or {}
        windows = registration.get('windows', {})
        ori_h, ori_w = data_sample.ori_shape[:2]
        for name, opts in self.modalities.items():
            if name not in paths:
                raise KeyError(f'{self.__class__.__name__}: no modality "{name}" in the sample '
                               f'(it has {sorted(paths)}); fix "modalities" of the hook')
            img = to_display(decode_image(paths[name], self.backend_args), **opts)
            if windows.get(name) is not None or img.shape[:2] != (ori_h, ori_w):
                img = warp_window(img, windows.get(name), (ori_w, ori_h))
            yield name, img

    def after_val_iter(self, runner, batch_idx: int, data_batch: dict, outputs) -> None:
        if self.draw is False:
            return
        step = runner.iter + batch_idx
        if step % self.interval != 0:
            return
        for name, img in self._images(outputs[0]):
            self._visualizer.add_datasample(
                f'val_{name}',
                img,
                data_sample=outputs[0],
                show=self.show,
                wait_time=self.wait_time,
                pred_score_thr=self.score_thr,
                step=step)

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict, outputs) -> None:
        if self.draw is False:
            return
        self._prepare_test_out_dir(runner)
        for data_sample in outputs:
            self._test_index += 1
            stem = data_sample.get('sample') or osp.splitext(osp.basename(data_sample.img_path))[0]
            for name, img in self._images(data_sample):
                out_file = (
                    osp.join(self.test_out_dir, f'{stem}_{name}.png')
                    if self.test_out_dir is not None else None)
                self._visualizer.add_datasample(
                    f'{stem}_{name}' if self.show else f'test_{name}',
                    img,
                    data_sample=data_sample,
                    show=self.show,
                    wait_time=self.wait_time,
                    pred_score_thr=self.score_thr,
                    out_file=out_file,
                    step=self._test_index)
