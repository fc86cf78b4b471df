"""tools/analysis_tools/browse_dataset.py: one picture per sample, one panel per modality."""
import cv2
import numpy as np
import pytest
import torch

from cmkd_mm.visualization.panels import GAP, modality_picture, stretch_to_uint8
from ..conftest import ROOT, load_tool

# config, data fixture, phase, extra options, panels (modalities + further label maps),
# (h, w) of every panel's modality
CASES = dict(
    stf=('detection/teacher_faster-rcnn-r18-fpn_rgb-gated_stf_demo.py', 'stf_demo_root', 'train',
         [], 4, (180, 320)),
    mfnet=('segmentation/cekd_cenet-to-eknet-r18_rgb-thermal-to-thermal_mfnet_demo.py',
           'mfnet_demo_root', 'train', [], 3, (48, 64)),
    pst900=('segmentation/teacher_cenet-r50-bot_rgb-thermal_pst900.py', 'pst900_demo_root', 'train',
            [], 3, (48, 64)),
    mavoc=('classification/ntire2021/kd1_resnet18_sar-to-eo_mavoc2021_demo.py', 'mavoc_demo_root',
           'train', [], 2, (1, 1)),
    xview2=('building_damage/damage-teacher_unet-r18_pre-post_xview2_demo.py', 'xview2_demo_root',
            'val', ['val_dataloader.dataset.expect_size=None'], 4, (64, 64)),
)


@pytest.mark.parametrize('case', list(CASES))
def test_one_png_per_sample_with_a_panel_per_modality(case, request, tmp_path, single_thread):
    config, fixture, phase, options, panels, (h, w) = CASES[case]
    root = request.getfixturevalue(fixture)
    out = tmp_path / 'vis'
    tool = load_tool('analysis_tools/browse_dataset.py')
    results = tool.main([
        f'{ROOT}/configs/{config}', '--output-dir',
        str(out), '--not-show', '--phase', phase, '--show-number', '1', '--cfg-options',
        f'{phase}_dataloader.dataset.data_root={root}', *options
    ])
    assert len(results) == 1 and len(results[0]['titles']) == panels
    files = list(out.iterdir())
    assert [f.name for f in files] == [results[0]['name'] + '.png']
    assert files[0].read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    picture = cv2.imread(str(files[0]))
    # Panels are scaled to a height of 256 px (the demo images are smaller), side by side.
    panel_width = round(w * 256 / h)
    assert picture.shape[1] == panels * panel_width + (panels - 1) * GAP
    if case == 'stf':  # 10-bit gated slices in 16-bit PNGs: stretched, the values in the title
        assert results[0]['titles'][0].startswith('gated0 1x180x320 uint16 (10-bit); '
                                                  'p1-p99 stretch ')
        assert 'registered onto gated0, window (78, 61, 402, 243)' in results[0]['titles'][3]


def test_stretch_is_percentile_1_99_and_written_in_the_title():
    rng = np.random.RandomState(0)
    img = rng.randint(0, 1024, (20, 30, 1)).astype(np.uint16)
    out, lo, hi = stretch_to_uint8(img)
    assert (lo, hi) == tuple(np.percentile(img, [1, 99]))
    assert out.dtype == np.uint8
    assert (out[img <= lo] == 0).all() and (out[img >= hi] == 255).all()
    mid = (img > lo) & (img < hi)
    np.testing.assert_allclose(out[mid], (img[mid] - lo) * 255 / (hi - lo), atol=0.5)
    picture, lines = modality_picture('gated0', torch.from_numpy(img.transpose(2, 0, 1)), 10)
    assert picture.shape == (20, 30, 3) and (picture[..., 0] == out[..., 0]).all()
    assert lines == ['gated0 1x20x30 uint16 (10-bit)', f'p1-p99 stretch {lo:.0f}-{hi:.0f}']
