import numpy as np
import pytest
import torch
from mmengine.registry import MODELS
from mmengine.structures import PixelData

from cmkd_mm.models.data_preprocessors import MultiModalDataPreprocessor

RGB = dict(mean=[120., 110., 100.], std=[60., 50., 40.])
GATED = dict(mean=[300., 310., 320.], std=[100., 110., 120.])


def _batch(n=2, hw=(10, 12)):
    rng = np.random.default_rng(0)
    rgb = [torch.from_numpy(rng.integers(0, 256, (3, *hw)).astype(np.uint8)) for _ in range(n)]
    gated = [torch.from_numpy(rng.integers(0, 1024, (3, *hw)).astype(np.int32)) for _ in range(n)]
    return dict(inputs=dict(rgb=rgb, gated=gated))


def _norm(x, stats):
    x = x.numpy().astype(np.float64)
    return (x - np.array(stats['mean'])[:, None, None]) / np.array(stats['std'])[:, None, None]


def test_the_configs_spelling_finds_this_class_from_mmpretrain_too():
    """mmpretrain registers an unrelated class of the same name, which the bare name finds in an
    mmpretrain config; ``mmengine.MultiModalDataPreprocessor``, the spelling of every config,
    finds this one from any registry."""
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    assert PRETRAIN_MODELS.get('MultiModalDataPreprocessor') is not MultiModalDataPreprocessor
    pre = PRETRAIN_MODELS.build(
        dict(
            type='mmengine.MultiModalDataPreprocessor',
            modalities=dict(eo=dict(mean=[0.], std=[1.])),
            views=dict(eo=['eo'])))
    assert type(pre) is MultiModalDataPreprocessor


def test_per_modality_statistics_and_views():
    pre = MultiModalDataPreprocessor(
        modalities=dict(rgb=RGB, gated=GATED),
        views=dict(student=['rgb'], teacher=['rgb', 'gated']))
    data = _batch()
    out = pre(data)
    assert set(out['inputs']) == {'student', 'teacher'}
    teacher, student = out['inputs']['teacher'], out['inputs']['student']
    assert teacher.shape == (2, 6, 10, 12) and student.shape == (2, 3, 10, 12)
    for i in range(2):
        want = np.concatenate(
            [_norm(data['inputs']['rgb'][i], RGB),
             _norm(data['inputs']['gated'][i], GATED)])
        np.testing.assert_allclose(teacher[i].numpy(), want, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(student[i].numpy(), want[:3], rtol=1e-5, atol=1e-5)


def test_arbitrary_channel_counts_and_single_value_stats():
    pre = MultiModalDataPreprocessor(
        modalities=dict(
            ms=dict(mean=[1., 2., 3., 4., 5.], std=[1.] * 5), sar=dict(mean=[100.], std=[50.])),
        views=dict(only=['ms', 'sar']))
    ms = [torch.full((5, 4, 4), 10, dtype=torch.uint8)]
    sar = [torch.full((2, 4, 4), 150, dtype=torch.uint8)]  # 2 channels, one shared value
    out = pre(dict(inputs=dict(ms=ms, sar=sar)))['inputs']
    assert isinstance(out, torch.Tensor) and out.shape == (1, 7, 4, 4)  # nothing dropped
    np.testing.assert_allclose(out[0, :5, 0, 0].numpy(), [9, 8, 7, 6, 5])
    np.testing.assert_allclose(out[0, 5:, 0, 0].numpy(), [1, 1])


def test_channel_mismatch_is_an_error():
    pre = MultiModalDataPreprocessor(modalities=dict(rgb=RGB), views=dict(s='rgb'))
    with pytest.raises(ValueError, match='"rgb" has 4 channel.*3 mean/std'):
        pre(dict(inputs=dict(rgb=[torch.zeros(4, 2, 2)])))


def test_different_sizes_per_view():
    """MAVOC: EO chips ~30 px, SAR chips ~52 px, in one sample, with varying sizes."""
    pre = MultiModalDataPreprocessor(
        modalities=dict(eo=dict(mean=[74.], std=[28.]), sar=dict(mean=[104.], std=[31.])),
        views=dict(student='eo', teacher='sar'),
        base=dict(type='mmengine.ImgDataPreprocessor', pad_size_divisor=4))
    eo = [
        torch.full((1, 30, 30), 74, dtype=torch.uint8),
        torch.full((1, 31, 29), 74, dtype=torch.uint8)
    ]
    sar = [
        torch.full((1, 52, 52), 104, dtype=torch.uint8),
        torch.full((1, 55, 57), 104, dtype=torch.uint8)
    ]
    out = pre(dict(inputs=dict(eo=eo, sar=sar)))['inputs']
    assert out['student'].shape == (2, 1, 32, 32)
    assert out['teacher'].shape == (2, 1, 56, 60)
    assert out['student'][0, 0, :30, :30].abs().max() == 0


def test_view_of_mismatched_sizes_is_an_error():
    pre = MultiModalDataPreprocessor(
        modalities=dict(eo=dict(mean=[0.]), sar=dict(mean=[0.])), views=dict(both=['eo', 'sar']))
    with pytest.raises(ValueError, match='different sizes'):
        pre(dict(inputs=dict(eo=[torch.zeros(1, 30, 30)], sar=[torch.zeros(1, 52, 52)])))


def test_config_errors():
    with pytest.raises(ValueError, match='no statistics'):
        MultiModalDataPreprocessor(modalities=dict(rgb=RGB), views=dict(t=['rgb', 'gated']))
    with pytest.raises(ValueError, match='per modality'):
        MultiModalDataPreprocessor(
            modalities=dict(rgb=RGB),
            views=dict(t='rgb'),
            base=dict(type='mmengine.ImgDataPreprocessor', mean=[0.]))
    with pytest.raises(ValueError, match='bgr_to_rgb'):
        MultiModalDataPreprocessor(
            modalities=dict(rgb=RGB),
            views=dict(t='rgb'),
            base=dict(type='mmengine.ImgDataPreprocessor', bgr_to_rgb=True))
    with pytest.raises(TypeError, match='PackMultiModalInputs'):
        MultiModalDataPreprocessor(
            modalities=dict(rgb=RGB), views=dict(t='rgb'))(
                dict(inputs=[torch.zeros(3, 2, 2)]))


def test_mmdet_base_fills_meta_and_pads_all_views_alike():
    from mmdet.structures import DetDataSample
    pre = MODELS.build(
        dict(
            type='mmengine.MultiModalDataPreprocessor',
            modalities=dict(rgb=RGB, gated=GATED),
            views=dict(student='rgb', teacher=['rgb', 'gated']),
            base=dict(type='mmdet.DetDataPreprocessor', pad_size_divisor=32)))
    data = _batch(hw=(40, 50))
    data['data_samples'] = [DetDataSample(metainfo=dict(img_shape=(40, 50))) for _ in range(2)]
    out = pre(data, training=True)
    assert out['inputs']['student'].shape == (2, 3, 64, 64)
    assert out['inputs']['teacher'].shape == (2, 6, 64, 64)
    assert out['data_samples'][0].batch_input_shape == (64, 64)
    assert out['data_samples'][0].pad_shape == (64, 64)
    assert out['data_samples'][0].img_shape == (40, 50)


def test_mmseg_base_pads_labels():
    from mmseg.structures import SegDataSample
    pre = MODELS.build(
        dict(
            type='mmengine.MultiModalDataPreprocessor',
            modalities=dict(rgb=RGB, gated=GATED),
            views=dict(student='gated', teacher=['rgb', 'gated']),
            base=dict(type='mmseg.SegDataPreProcessor', size=(16, 16), seg_pad_val=255)))
    data = _batch(hw=(10, 12))
    data['data_samples'] = []
    for _ in range(2):
        s = SegDataSample(metainfo=dict(img_shape=(10, 12)))
        s.gt_sem_seg = PixelData(data=torch.ones(1, 10, 12, dtype=torch.long))
        data['data_samples'].append(s)
    out = pre(data, training=True)
    assert out['inputs']['student'].shape == (2, 3, 16, 16)
    assert out['inputs']['teacher'].shape == (2, 6, 16, 16)
    seg = out['data_samples'][0].gt_sem_seg.data
    assert seg.shape[-2:] == (16, 16) and seg[0, -1, -1] == 255 and seg[0, 0, 0] == 1


def test_mmpretrain_base_with_views_of_different_sizes():
    """MAVOC-like sample: EO 30 px (3 channels) and SAR 52 px (1 channel) through mmpretrain."""
    from mmpretrain.structures import DataSample
    pre = MODELS.build(
        dict(
            type='mmengine.MultiModalDataPreprocessor',
            modalities=dict(
                eo=dict(mean=[100.] * 3, std=[50.] * 3), sar=dict(mean=[30.], std=[10.])),
            views=dict(student='eo', teacher='sar'),
            base=dict(type='mmpretrain.ClsDataPreprocessor')))
    rng = np.random.default_rng(0)
    eo = [torch.from_numpy(rng.integers(0, 256, (3, 30, 30)).astype(np.uint8)) for _ in range(2)]
    sar = [torch.from_numpy(rng.integers(0, 256, (1, 52, 52)).astype(np.uint8)) for _ in range(2)]
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    out = pre(dict(inputs=dict(eo=eo, sar=sar), data_samples=samples), training=True)
    assert out['inputs']['student'].shape == (2, 3, 30, 30)
    assert out['inputs']['teacher'].shape == (2, 1, 52, 52)
    np.testing.assert_allclose(
        out['inputs']['teacher'][1].numpy(), (sar[1].numpy().astype(np.float64) - 30.) / 10.,
        rtol=1e-6)
    assert [int(s.gt_label) for s in out['data_samples']] == [0, 1]


def test_auto_statistics_are_measured_saved_and_loaded():

    def build():
        return MultiModalDataPreprocessor(
            modalities=dict(rgb='auto', gated=GATED), views=dict(student=['rgb']))

    pre = build()
    with pytest.raises(RuntimeError, match='ModalityStatsFromDataHook'):
        pre(_batch())
    pre.set_stats('rgb', RGB['mean'], RGB['std'])
    batch = _batch()
    out = pre(batch)
    want = np.stack([_norm(x, RGB) for x in batch['inputs']['rgb']])
    np.testing.assert_allclose(out['inputs'].numpy(), want, rtol=1e-5, atol=1e-5)
    # the measured statistics travel in the state dict, the configured ones do not
    state = pre.state_dict()
    assert set(state) == {'rgb_mean', 'rgb_std'}
    loaded = build()
    loaded.load_state_dict(state)  # empty buffers take the saved size (3 channels)
    torch.testing.assert_close(loaded(_batch())['inputs'], out['inputs'])
    with pytest.raises(TypeError, match="or 'auto'"):
        MultiModalDataPreprocessor(modalities=dict(rgb='measured'), views=dict(s=['rgb']))
    with pytest.raises(KeyError, match='not a modality'):
        pre.set_stats('thermal', [0.], [1.])
