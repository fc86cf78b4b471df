"""LoadModalities ``to_gray`` and ApplyToModalities ``keep_size=False`` (per-modality sizes)."""
import cv2
import mmpretrain.datasets  # noqa: F401  (register the mmpretrain transforms)
import numpy as np
import pytest

from cmkd_mm.datasets.transforms import ApplyToModalities, LoadModalities, PackMultiModalInputs


@pytest.fixture
def chips(tmp_path):
    rng = np.random.default_rng(0)
    arrays = dict(
        rgb=rng.integers(0, 255, (31, 30, 3), dtype=np.uint8),
        gray=rng.integers(0, 255, (57, 56, 1), dtype=np.uint8),
        rgba=rng.integers(0, 255, (8, 9, 4), dtype=np.uint8),
        gray16=rng.integers(0, 4000, (6, 7, 3), dtype=np.uint16))
    paths = {}
    for name, arr in arrays.items():
        paths[name] = str(tmp_path / f'{name}.png')
        order = {1: [0], 3: [2, 1, 0], 4: [2, 1, 0, 3]}[arr.shape[2]]  # cv2 writes BGR(A)
        cv2.imwrite(paths[name], arr[..., order])
    return paths, arrays


def test_to_gray_uses_rgb2gray_weights(chips):
    paths, arrays = chips
    t = LoadModalities(
        dict(
            eo=dict(to_gray=True, num_channels=1), sar=dict(to_gray=True), deep=dict(to_gray=True)))
    r = t(dict(modality_paths=dict(eo=paths['rgb'], sar=paths['gray'], deep=paths['gray16'])))
    assert r['eo'].shape == (31, 30, 1) and r['eo'].dtype == np.uint8
    np.testing.assert_array_equal(r['eo'][..., 0], cv2.cvtColor(arrays['rgb'], cv2.COLOR_RGB2GRAY))
    luma = arrays['rgb'].astype(float) @ [0.299, 0.587, 0.114]
    assert np.abs(r['eo'][..., 0] - luma).max() <= 1
    np.testing.assert_array_equal(r['sar'], arrays['gray'])  # 1 channel: unchanged
    assert r['deep'].dtype == np.uint16 and r['deep'].shape == (6, 7, 1)


def test_to_gray_after_channel_selection(chips):
    paths, arrays = chips
    t = LoadModalities(dict(x=dict(channels=[0, 1, 2], to_gray=True)))
    r = t(dict(modality_paths=dict(x=paths['rgba'])))
    np.testing.assert_array_equal(r['x'][..., 0],
                                  cv2.cvtColor(arrays['rgba'][..., :3], cv2.COLOR_RGB2GRAY))


def test_to_gray_rejects_other_channel_counts(chips):
    paths, _ = chips
    with pytest.raises(ValueError, match='rgba.png: modality "x" has to_gray=True .* 4 channel'):
        LoadModalities(dict(x=dict(to_gray=True)))(dict(modality_paths=dict(x=paths['rgba'])))


def test_repeated_channels_make_three_channel_grey(chips):
    paths, arrays = chips
    r = LoadModalities(dict(sar=dict(channels=[0, 0, 0], num_channels=3)))(
        dict(modality_paths=dict(sar=paths['gray'])))
    assert r['sar'].shape == (57, 56, 3)
    assert all(np.array_equal(r['sar'][..., c], arrays['gray'][..., 0]) for c in range(3))


def _sample():
    return dict(
        modalities=['sar', 'eo'],
        ref_modality='sar',
        sar=np.arange(57 * 56, dtype=np.uint16).reshape(57, 56, 1).astype(np.uint8),
        eo=np.zeros((31, 30, 1), np.uint8),
        img_shape=(57, 56),
        ori_shape=(57, 56),
        img_path='sar.png',
        gt_label=3)


def test_keep_size_false_allows_mmpretrain_resizing():
    t = ApplyToModalities(
        modalities=['sar'],
        keep_size=False,
        transforms=[
            dict(type='mmpretrain.Resize', scale=(52, 52)),
            dict(type='mmpretrain.RandomResizedCrop', scale=48)
        ])
    r = t(_sample())
    assert r['sar'].shape == (48, 48, 1) and r['eo'].shape == (31, 30, 1)
    assert r['img_shape'] == (48, 48) and 'img' not in r
    r = ApplyToModalities(
        modalities=['eo'],
        keep_size=False,
        transforms=[dict(type='mmpretrain.Resize', scale=(30, 30))])(
            r)
    assert r['eo'].shape == (30, 30, 1)
    assert r['img_shape'] == (48, 48)  # still the reference modality's
    assert r['scale'] == (52, 52)  # the size meta of the other modality is not kept
    packed = PackMultiModalInputs(packer=dict(type='mmpretrain.PackInputs'))(r)
    assert packed['inputs']['sar'].shape == (1, 48, 48)
    assert packed['inputs']['eo'].shape == (1, 30, 30)
    assert int(packed['data_samples'].gt_label) == 3


def test_keep_size_default_still_rejects_resizing():
    t = ApplyToModalities(
        modalities=['sar'], transforms=[dict(type='mmpretrain.Resize', scale=(52, 52))])
    assert t.keep_size
    with pytest.raises(ValueError, match='changed the size of "sar".*keep_size=False'):
        t(_sample())


@pytest.mark.parametrize('key', ['gt_bboxes', 'gt_seg_map', 'gt_edge_map'])
def test_keep_size_false_refuses_spatial_annotations(key):
    s = _sample()
    s[key] = np.zeros((57, 56), np.uint8)
    if key == 'gt_edge_map':
        s['seg_fields'] = [key]
    t = ApplyToModalities(
        modalities=['eo'],
        keep_size=False,
        transforms=[dict(type='mmpretrain.Resize', scale=(30, 30))])
    with pytest.raises(ValueError, match=f'keep_size=False.*{key}'):
        t(s)
