"""Checks of loaded segmentation labels, failing early with the file to fix."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckSegLabels(BaseTransform):
    """Check ``gt_seg_map`` right after ``LoadAnnotations``.

    * every value is a class id below ``num_classes`` or ``ignore_index``;
    * the label map has the size of the reference image (``img_shape`` set by
      ``LoadModalities``), so it must come before any geometric transform.

    Errors name ``results['seg_map_path']`` (and ``img_path`` for a size mismatch). The check is
    cheap (one ``np.unique`` of a uint8 map).

    Args:
        num_classes (int): Number of classes of the dataset.
        ignore_index (int, optional): Value allowed besides the class ids. Default 255.
        check_size (bool): Compare the label size with the image size. Default True.
    """

    #: What it checks of the loaded data (read by ``datasets/pipeline_inspection.py``).
    checks = ('labels', )

    def __init__(self,
                 num_classes: int,
                 ignore_index: Optional[int] = 255,
                 check_size: bool = True) -> None:
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.check_size = check_size

    def transform(self, results: dict) -> dict:
        seg = results['gt_seg_map']
        seg_path = results.get('seg_map_path', '<label map>')
        values = np.unique(seg)
        bad = values[(values >= self.num_classes) | (values < 0)]
        if self.ignore_index is not None:
            bad = bad[bad != self.ignore_index]
        if bad.size:
            raise ValueError(
                f'{seg_path}: label values {bad.tolist()[:10]} are not class ids 0-'
                f'{self.num_classes - 1} (nor ignore_index {self.ignore_index}). Fix the label '
                f'file (class ids, not palette colours), or num_classes/ignore_index.')
        shape = results.get('img_shape')
        if self.check_size and shape is not None and tuple(seg.shape[:2]) != tuple(shape[:2]):
            raise ValueError(
                f'{seg_path} is {seg.shape[1]}x{seg.shape[0]} (w x h) but its image '
                f'{results.get("img_path", "")} is {shape[1]}x{shape[0]}. Re-export the label at '
                f'the image size or remove this sample from the split file.')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index}, check_size={self.check_size})')
