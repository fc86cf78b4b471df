"""Run photometric transforms on the modalities they name, and only those."""
from typing import List, Sequence

from mmcv.transforms import BaseTransform, Compose
from mmengine.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ApplyToModalities(BaseTransform):
    """Apply ordinary single-image transforms to named modalities.

    Each named modality is put in ``results['img']`` in turn, the wrapped transforms run, and the
    result goes back under its name. This lets any downstream photometric transform
    (``mmdet.PhotoMetricDistortion``, ``mmseg.PhotoMetricDistortion``, ``mmpretrain.ColorJitter``
    ...) act on one sensor while the others stay untouched. Random parameters are drawn per
    modality. The wrapped transforms must not change the image size.

    Args:
        transforms (list[dict]): Transform configs (use a scope prefix such as ``mmdet.``).
        modalities (list[str]): Modalities to touch.
    """

    def __init__(self, transforms: List[dict], modalities: Sequence[str]) -> None:
        if isinstance(modalities, str):
            modalities = [modalities]
        if not modalities:
            raise ValueError('ApplyToModalities needs at least one modality')
        self.modalities = list(modalities)
        self.transforms = Compose(transforms)

    def transform(self, results: dict) -> dict:
        had_img, saved = 'img' in results, results.get('img')
        for name in self.modalities:
            if name not in results:
                raise KeyError(f'ApplyToModalities: modality "{name}" is not loaded (have '
                               f'{results.get("modalities")})')
            shape = results[name].shape[:2]
            results['img'] = results[name]
            out = self.transforms(results)
            if out is None:
                return None
            results = out
            if results['img'].shape[:2] != shape:
                raise ValueError(f'ApplyToModalities: {self.transforms} changed the size of '
                                 f'"{name}"; use the MultiModal* geometric transforms instead')
            img = results.pop('img')
            results[name] = img if img.ndim == 3 else img[..., None]
        if had_img:
            results['img'] = saved
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(modalities={self.modalities}, {self.transforms})'
