"""Browse a multi-modal dataset after its pipeline: every modality of a sample side by side.

``tools/analysis_tools/browse_dataset.py`` is the command line. Each sample becomes one
picture of titled panels (:mod:`.panels`):

* one panel per packed modality, in the order of ``inputs``, titled with its name, ``C x H x W``
  shape, dtype and bit depth; modalities that are not 8-bit are contrast-stretched between the
  1st and 99th percentile of the image, the values written in the title;
* the annotations drawn filled on the *reference modality* (the label frame): boxes (mmdet's
  ``DetLocalVisualizer``; ignored regions dashed grey), the semantic label map (mmseg's
  ``SegLocalVisualizer``), the class label of a classification sample;
* the same boxes, and the outlines of the label map, on every other modality that is in the
  reference frame (registered onto it, or of the same camera), so that a misregistration shows;
  a modality of another size (e.g. MAVOC's EO chip) is left bare and titled ``own frame``;
* one more panel per further label map of the sample (``gt_edge_map`` of CEKD, ``gt_loc`` and
  ``gt_dmg`` of xView2...), drawn on the reference modality.
"""
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch
from mmdet.visualization import DetLocalVisualizer
from mmengine.registry import DATASETS, init_default_scope
from mmengine.structures import InstanceData, PixelData
from mmengine.utils import ProgressBar
from mmseg.visualization import SegLocalVisualizer

from ..datasets.transforms.loading import LoadModalities
from ..utils.config import load_config
from .panels import compose_panels, modality_picture, resize_nearest, resize_to_height

OUTLINE_COLOR = (0, 255, 255)
# Label maps that are not in the dataset's classes: their own names and colours.
BINARY_MAPS = dict(gt_edge_map=('background', 'edge'), gt_loc=('background', 'building'))
BINARY_PALETTE = [(0, 0, 0), (255, 255, 0)]


def modality_bit_depths(dataset) -> Dict[str, int]:
    """``modality -> bit_depth`` as the dataset's ``LoadModalities`` declares them (below any
    dataset wrappers); empty when it has none."""
    while not hasattr(dataset, 'pipeline'):
        inner = getattr(dataset, 'dataset', None) or (getattr(dataset, 'datasets', None)
                                                      or [None])[0]
        if inner is None:
            return {}
        dataset = inner
    for t in getattr(dataset.pipeline, 'transforms', []):
        if isinstance(t, LoadModalities):
            return {k: v['bit_depth'] for k, v in t.modalities.items() if v.get('bit_depth')}
    return {}


def reference_modality(data_sample, names: Sequence[str]) -> str:
    """The modality whose frame the annotations use: the registration's ``ref``, else the one
    whose file is ``img_path`` (``LoadModalities`` sets it from the reference), else the
    first."""
    ref = (data_sample.get('registration') or {}).get('ref')
    if ref in names:
        return ref
    paths = data_sample.get('modality_paths') or {}
    return next((n for n in names if paths.get(n) == data_sample.get('img_path')), names[0])


def sample_name(data_sample) -> str:
    """File stem for a sample: its ``sample`` or ``tile_id``, else the reference file's stem."""
    name = data_sample.get('sample') or data_sample.get('tile_id')
    return str(name or osp.splitext(osp.basename(data_sample.get('img_path', 'sample')))[0])


def outline(img: np.ndarray, label_map: np.ndarray, color=OUTLINE_COLOR) -> np.ndarray:
    """``img`` with the pixels where ``label_map`` (same ``H x W``) changes class painted."""
    edge = np.zeros(label_map.shape, bool)
    edge[:, 1:] |= label_map[:, 1:] != label_map[:, :-1]
    edge[1:] |= label_map[1:] != label_map[:-1]
    out = img.copy()
    out[edge] = color
    return out


class MultiModalBrowser:
    """Render packed samples (``inputs = {modality: C x H x W}`` and their data sample).

    Args:
        metainfo (dict): The dataset's meta information (``classes``, ``palette``).
        bit_depths (dict, optional): ``modality -> bits`` of the values, for the titles.
        min_height (int): Panels are scaled to one height: the tallest modality's, at least this.
        percentiles (sequence[float]): Contrast stretch of modalities that are not 8-bit.
    """

    def __init__(self,
                 metainfo: dict,
                 bit_depths: Optional[Dict[str, int]] = None,
                 min_height: int = 256,
                 percentiles: Sequence[float] = (1, 99)) -> None:
        self.classes = list(metainfo.get('classes') or [])
        palette = metainfo.get('palette')
        if not palette:
            rng = np.random.RandomState(42)
            palette = [tuple(int(c) for c in rng.randint(0, 256, 3)) for _ in self.classes]
        self.palette = [tuple(int(c) for c in p) for p in palette]
        self.bit_depths = dict(bit_depths or {})
        self.min_height = min_height
        self.percentiles = tuple(percentiles)
        # Built directly (not get_instance): the global visualizer of a runner stays untouched.
        self.det_vis = DetLocalVisualizer(name='cmkd_browse_det')
        self.seg_vis = SegLocalVisualizer(name='cmkd_browse_seg', alpha=0.5)

    def render(self, inputs: Dict[str, torch.Tensor], data_sample) -> Tuple[np.ndarray, List[str]]:
        """Draw one sample.

        Args:
            inputs (dict[str, torch.Tensor]): ``modality -> C x H x W`` after the pipeline (a
                single tensor, as a plain downstream packer gives it, is shown as ``img``).
            data_sample: Its data sample (mmdet, mmseg or mmpretrain).

        Returns:
            tuple: The RGB ``uint8`` picture and the panel titles (lines joined by ``'; '``).
        """
        inputs = inputs if isinstance(inputs, dict) else dict(img=inputs)
        names = list(inputs)
        ref = reference_modality(data_sample, names)
        ref_hw = tuple(inputs[ref].shape[-2:])
        height = max([self.min_height] + [int(t.shape[-2]) for t in inputs.values()])
        panels, ref_picture = [], None
        for name in names:
            img, lines = modality_picture(name, inputs[name], self.bit_depths.get(name),
                                          self.percentiles)
            img = resize_to_height(img, height)
            in_frame = tuple(inputs[name].shape[-2:]) == ref_hw
            lines.append(self._frame_text(name, ref, in_frame, data_sample))
            if name == ref:
                ref_picture = img
            if in_frame:
                img = self._draw_annotations(img, data_sample, ref_hw, name == ref)
            panels.append((img, lines))
        for key in sorted(k for k in data_sample.keys() if k != 'gt_sem_seg'):
            if isinstance(data_sample.get(key), PixelData):
                panels.append(
                    self._label_panel(key, data_sample.get(key), ref, ref_hw, ref_picture))
        return compose_panels(panels), ['; '.join(lines) for _, lines in panels]

    @staticmethod
    def _frame_text(name: str, ref: str, in_frame: bool, data_sample) -> str:
        if name == ref:
            return 'reference (label frame)'
        if not in_frame:
            return 'own frame, not registered'
        window = ((data_sample.get('registration') or {}).get('windows') or {}).get(name)
        if window is not None:
            return f'registered onto {ref}, window ({", ".join(f"{v:.0f}" for v in window)})'
        return f'in the frame of {ref}'

    def _draw_annotations(self, img: np.ndarray, data_sample, ref_hw: Tuple[int, int],
                          is_ref: bool) -> np.ndarray:
        """Boxes on ``img`` (a panel in the reference frame); the label map filled (reference)
        or outlined (other modalities); the class label on the reference."""
        scale = torch.tensor([img.shape[1] / ref_hw[1], img.shape[0] / ref_hw[0]] * 2)
        gt = data_sample.get('gt_instances')
        if gt is not None and 'bboxes' in gt:
            boxes = getattr(gt.bboxes, 'tensor', gt.bboxes).float() * scale
            img = self.det_vis._draw_instances(img, InstanceData(bboxes=boxes, labels=gt.labels),
                                               self.classes, self.palette)
        ignored = data_sample.get('ignored_instances')
        if ignored is not None and 'bboxes' in ignored and len(ignored) > 0:
            self.det_vis.set_image(img)
            self.det_vis.draw_bboxes(
                getattr(ignored.bboxes, 'tensor', ignored.bboxes).float() * scale,
                edge_colors='gray',
                line_styles='--')
            img = self.det_vis.get_image()
        seg = data_sample.get('gt_sem_seg')
        if seg is not None:
            label_map = resize_nearest(seg.data[0].cpu().numpy(), img.shape[:2])
            if is_ref:
                img = self.seg_vis._draw_sem_seg(img,
                                                 PixelData(data=torch.from_numpy(label_map[None])),
                                                 self.classes, self.palette)
            else:
                img = outline(img, label_map)
        label = data_sample.get('gt_label')
        if label is not None and is_ref and len(label) > 0:
            names = [self.classes[i] if i < len(self.classes) else '?' for i in label.tolist()]
            text = 'label ' + ', '.join(f'{i} {n}' for i, n in zip(label.tolist(), names))
            self.det_vis.set_image(img)
            self.det_vis.draw_texts(
                text,
                np.array([3, 3]),
                colors='white',
                font_sizes=max(8, img.shape[0] // 20),
                bboxes=dict(facecolor='black', alpha=0.7, pad=1.5, edgecolor='none'))
            img = self.det_vis.get_image()
        return img

    def _label_panel(self, key: str, pixel_data: PixelData, ref: str, ref_hw: Tuple[int, int],
                     ref_picture: np.ndarray) -> Tuple[np.ndarray, List[str]]:
        """A further label map (edges, xView2 masks) on the reference modality's picture."""
        data = pixel_data.data.cpu().numpy()
        classes, palette = BINARY_MAPS.get(key, self.classes), self.palette
        if key in BINARY_MAPS:
            palette = BINARY_PALETTE
        label_map = resize_nearest(data[0], ref_picture.shape[:2])
        img = self.seg_vis._draw_sem_seg(
            ref_picture,
            PixelData(data=torch.from_numpy(label_map[None])),
            classes,
            palette,
            with_labels=False)
        present = [classes[i] for i in np.unique(data) if i < len(classes)]
        lines = [f'{key} {"x".join(str(s) for s in data.shape)} {data.dtype}', f'on {ref}']
        if data.shape[-2:] != ref_hw:
            lines[-1] += ' (nearest resize)'
        lines.append('present: ' + (', '.join(present) or 'none'))
        return img, lines


def browse_dataset(config: str,
                   output_dir: Optional[str] = None,
                   show: bool = True,
                   phase: str = 'train',
                   show_number: int = sys.maxsize,
                   show_interval: float = 2.,
                   cfg_options: Optional[dict] = None) -> List[dict]:
    """Draw the first ``show_number`` samples of a split, after its pipeline.

    Args:
        config (str): Config file.
        output_dir (str, optional): Folder for one ``<sample>.png`` per sample.
        show (bool): Show each picture in a window.
        phase (str): ``train``, ``val`` or ``test``: the dataloader whose dataset is browsed.
        show_number (int): Samples to draw (from the first).
        show_interval (float): Seconds each window is shown.
        cfg_options (dict, optional): Options merged into the config (e.g. a data root).

    Returns:
        list[dict]: Per sample ``name``, ``file`` (None without ``output_dir``), ``shape`` of
        the picture and ``titles`` of its panels.
    """
    cfg = load_config(config, cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    dataset = DATASETS.build(cfg[f'{phase}_dataloader'].dataset)
    browser = MultiModalBrowser(dataset.metainfo, modality_bit_depths(dataset))
    count = min(show_number, len(dataset))
    progress_bar = ProgressBar(count)
    results, used = [], set()
    for index in range(count):
        item = dataset[index]
        picture, titles = browser.render(item['inputs'], item['data_samples'])
        name = sample_name(item['data_samples'])
        name = name if name not in used else f'{name}_{index}'  # e.g. an oversampled tile
        used.add(name)
        out_file = osp.join(output_dir, f'{name}.png') if output_dir else None
        if out_file:
            mmcv.imwrite(mmcv.rgb2bgr(picture), out_file)
        if show:
            browser.det_vis.show(picture, win_name=name, wait_time=show_interval)
        results.append(dict(name=name, file=out_file, shape=picture.shape, titles=titles))
        progress_bar.update()
    return results
