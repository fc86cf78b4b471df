"""Run photometric transforms on the modalities they name, and only those."""
from typing import List, Sequence

from mmcv.transforms import BaseTransform, Compose
from mmengine.registry import TRANSFORMS

# Annotations tied to the pixel grid of the reference modality.
SPATIAL_KEYS = ('gt_bboxes', 'gt_masks', 'gt_seg_map')
# Size meta information that describes the reference modality.
SIZE_META_KEYS = ('img_shape', 'scale', 'scale_factor', 'keep_ratio')


@TRANSFORMS.register_module()
class ApplyToModalities(BaseTransform):
    """Apply ordinary single-image transforms to named modalities.

    Each named modality is put in ``results['img']`` in turn, the wrapped transforms run, and the
    result goes back under its name. This lets any downstream photometric transform
    (``mmdet.PhotoMetricDistortion``, ``mmseg.PhotoMetricDistortion``, ``mmpretrain.ColorJitter``
    ...) act on one sensor while the others stay untouched. Random parameters are drawn per
    modality.

    By default (``keep_size=True``) the wrapped transforms must not change the image size, so
    the modalities stay aligned with the annotations. With ``keep_size=False`` each modality may
    get its own size (e.g. MAVOC classification: ``mmpretrain.Resize`` EO chips to 30x30 and SAR
    chips to 52x52, then ``mmpretrain.RandomResizedCrop`` SAR to 48x48). This is for tasks
    without spatial annotations: a sample holding ``gt_bboxes``, ``gt_masks`` or seg maps is
    rejected, since the wrapped transforms would move those with a modality they may not belong
    to. The size meta information (``img_shape``, ``scale``, ``scale_factor``, ``keep_ratio``)
    then describes the reference modality (``results['ref_modality']``): changes the wrapped
    transforms make to it while running on another modality are undone.

    Args:
        transforms (list[dict]): Transform configs (use a scope prefix such as ``mmdet.``).
        modalities (list[str]): Modalities to touch.
        keep_size (bool): Require the wrapped transforms to keep each modality's size.
            Defaults to True.
    """

    def __init__(self,
                 transforms: List[dict],
                 modalities: Sequence[str],
                 keep_size: bool = True) -> None:
        if isinstance(modalities, str):
            modalities = [modalities]
        if not modalities:
            raise ValueError('ApplyToModalities needs at least one modality')
        self.modalities = list(modalities)
        self.transforms = Compose(transforms)
        self.keep_size = keep_size

    def transform(self, results: dict) -> dict:
        if not self.keep_size:
            spatial = [k for k in SPATIAL_KEYS if k in results]
            spatial += [k for k in results.get('seg_fields', []) if k not in spatial]
            if spatial:
                raise ValueError(f'ApplyToModalities(keep_size=False) cannot keep the spatial '
                                 f'annotations {spatial} aligned; use the MultiModal* geometric '
                                 f'transforms for this task')
        had_img, saved = 'img' in results, results.get('img')
        ref = results.get('ref_modality')
        for name in self.modalities:
            if name not in results:
                raise KeyError(f'ApplyToModalities: modality "{name}" is not loaded (have '
                               f'{results.get("modalities")})')
            shape = results[name].shape[:2]
            meta = {k: results[k] for k in SIZE_META_KEYS if k in results}
            results['img'] = results[name]
            out = self.transforms(results)
            if out is None:
                return None
            results = out
            if self.keep_size and results['img'].shape[:2] != shape:
                raise ValueError(f'ApplyToModalities: {self.transforms} changed the size of '
                                 f'"{name}"; use the MultiModal* geometric transforms instead, '
                                 f'or keep_size=False for a task without spatial annotations')
            img = results.pop('img')
            results[name] = img if img.ndim == 3 else img[..., None]
            if not self.keep_size:
                if name == ref:
                    results['img_shape'] = results[name].shape[:2]
                else:
                    for key in SIZE_META_KEYS:
                        results.pop(key, None)
                    results.update(meta)
        if had_img:
            results['img'] = saved
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(modalities={self.modalities}, '
                f'keep_size={self.keep_size}, {self.transforms})')
