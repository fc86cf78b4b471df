"""cmkd_mm.evaluation.xview2_score and tools/analysis_tools/xview2_score.py: folder scoring,
file checks, agreement with the metric."""
import json

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from PIL import Image

from cmkd_mm.evaluation import XView2Metric
from cmkd_mm.evaluation.xview2_score import score_folders
from ..conftest import load_tool

SIZE = (16, 16)


def make_tiles(seed=0, n=3):
    rng = np.random.default_rng(seed)
    tiles = {}
    for i in range(n):
        dmg_t = (rng.integers(1, 5, SIZE) * (rng.random(SIZE) < 0.4)).astype(np.uint8)
        loc_t = (dmg_t > 0).astype(np.uint8)
        pred = np.where(rng.random(SIZE) < 0.7, dmg_t, rng.integers(0, 5, SIZE)).astype(np.uint8)
        tiles[f'{i:05d}'] = dict(
            loc_p=(pred > 0).astype(np.uint8), dmg_p=pred, loc_t=loc_t, dmg_t=dmg_t)
    return tiles


def write_folders(root, tiles, split='test'):
    pred_dir, target_dir = root / 'pred', root / 'target'
    pred_dir.mkdir(exist_ok=True)
    target_dir.mkdir(exist_ok=True)
    for tile_id, t in tiles.items():
        for key, folder, kind, suffix in (('loc_p', pred_dir, 'localization', 'prediction'),
                                          ('dmg_p', pred_dir, 'damage', 'prediction'),
                                          ('loc_t', target_dir, 'localization',
                                           'target'), ('dmg_t', target_dir, 'damage', 'target')):
            Image.fromarray(t[key]).save(folder / f'{split}_{kind}_{tile_id}_{suffix}.png')
    return pred_dir, target_dir


def metric_scores(tiles):
    samples = []
    for t in tiles.values():
        ds = SegDataSample(metainfo=dict(img_path='x.png'))
        ds.pred_sem_seg = PixelData(data=torch.as_tensor(t['dmg_p'], dtype=torch.int64)[None])
        ds.gt_loc = PixelData(data=torch.as_tensor(t['loc_t'])[None])
        ds.gt_dmg = PixelData(data=torch.as_tensor(t['dmg_t'])[None])
        samples.append(ds.to_dict())
    metric = XView2Metric()
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_cli_scores_match_metric(tmp_path, capsys):
    tiles = make_tiles()
    pred_dir, target_dir = write_folders(tmp_path, tiles)
    tool = load_tool('analysis_tools/xview2_score.py')
    out = tmp_path / 'out' / 'metrics.json'
    scores = tool.main([str(pred_dir), str(target_dir), '--size', '16', '16', '--out', str(out)])
    expected = metric_scores(tiles)
    for key, value in expected.items():
        assert scores[key] == pytest.approx(value, rel=1e-12), key
    assert scores['num_tiles'] == 3
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].startswith('score: ')
    assert 'damage_f1_destroyed' in printed
    saved = json.loads(out.read_text())
    assert saved['score'] == pytest.approx(expected['score'])
    # The hold_ prefix is accepted, ids may contain underscores.
    hold = {'guatemala-volcano_00000001': t for t in tiles.values()}
    (tmp_path / 'h').mkdir()
    hold_scores = score_folders(*write_folders(tmp_path / 'h', hold, split='hold'), size=SIZE)
    assert hold_scores['num_tiles'] == 1


def test_default_size_is_1024(tmp_path):
    pred_dir, target_dir = write_folders(tmp_path, make_tiles(n=1))
    with pytest.raises(ValueError, match=r'test_localization_00000_prediction\.png.*expected'):
        score_folders(str(pred_dir), str(target_dir))


@pytest.mark.parametrize('case', ['uint16', 'value7', 'size', 'rgb', 'missing', 'not_png'])
def test_bad_files_are_rejected_by_name(tmp_path, case):
    tiles = make_tiles(n=2)
    pred_dir, target_dir = write_folders(tmp_path, tiles)
    name = 'test_damage_00001_prediction.png'
    path = pred_dir / name
    if case == 'uint16':  # a 16-bit PNG (not uint8)
        Image.fromarray(tiles['00001']['dmg_p'].astype(np.uint16) * 256).save(path)
    elif case == 'value7':
        bad = tiles['00001']['dmg_p'].copy()
        bad[0, 0] = 7
        Image.fromarray(bad).save(path)
    elif case == 'size':
        Image.fromarray(np.zeros((8, 16), np.uint8)).save(path)
    elif case == 'rgb':
        Image.fromarray(np.zeros(SIZE + (3, ), np.uint8)).save(path)
    elif case == 'missing':
        path.unlink()
    else:
        path.write_bytes(b'not a png')
    error = FileNotFoundError if case == 'missing' else ValueError
    with pytest.raises(error, match=name):
        score_folders(str(pred_dir), str(target_dir), size=SIZE)


def test_bad_target_name(tmp_path):
    pred_dir, target_dir = write_folders(tmp_path, make_tiles(n=1))
    Image.fromarray(np.zeros(SIZE, np.uint8)).save(target_dir / 'something_else.png')
    with pytest.raises(ValueError, match='something_else.png'):
        score_folders(str(pred_dir), str(target_dir), size=SIZE)
