import numpy as np
import pytest
import torch
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS

from cmkd_mm.datasets.transforms import ApplyToModalities, PackMultiModalInputs


@TRANSFORMS.register_module(force=True)
class _AddOne(BaseTransform):

    def transform(self, results):
        results['img'] = results['img'] + 1
        return results


@TRANSFORMS.register_module(force=True)
class _Shrink(BaseTransform):

    def transform(self, results):
        results['img'] = results['img'][:2]
        return results


def _sample():
    return dict(
        modalities=['rgb', 'thermal'],
        ref_modality='rgb',
        rgb=np.zeros((4, 5, 3), np.uint8),
        thermal=np.zeros((4, 5, 1), np.uint8),
        img_shape=(4, 5),
        ori_shape=(4, 5),
        img_path='x.png')


def test_apply_only_to_named():
    r = ApplyToModalities([dict(type='_AddOne')], modalities=['thermal'])(_sample())
    assert r['thermal'].max() == 1 and r['rgb'].max() == 0
    assert 'img' not in r


def test_apply_rejects_size_change():
    with pytest.raises(ValueError, match='changed the size of "rgb"'):
        ApplyToModalities([dict(type='_Shrink')], modalities='rgb')(_sample())


def test_apply_unknown_modality():
    with pytest.raises(KeyError, match='"gated" is not loaded'):
        ApplyToModalities([dict(type='_AddOne')], modalities=['gated'])(_sample())


@pytest.mark.parametrize('packer', ['mmseg.PackSegInputs', 'mmdet.PackDetInputs'])
def test_pack_keeps_modalities_and_downstream_sample(packer):
    import mmdet.datasets  # noqa: F401  (register downstream transforms)
    import mmseg.datasets  # noqa: F401
    s = _sample()
    s['thermal'] = np.full((2, 3, 1), 7, np.uint16)  # different size and dtype
    s['gt_label'] = 1
    out = PackMultiModalInputs(packer=dict(type=packer))(s)
    assert set(out['inputs']) == {'rgb', 'thermal'}
    assert out['inputs']['rgb'].shape == (3, 4, 5)
    assert out['inputs']['thermal'].shape == (1, 2, 3)
    assert out['inputs']['thermal'].dtype == torch.uint16 or out['inputs']['thermal'].max() == 7
    meta = out['data_samples'].metainfo
    assert meta['modality_shapes'] == dict(rgb=(4, 5), thermal=(2, 3))
    assert 'img' not in s
