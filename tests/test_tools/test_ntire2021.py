"""tools/ntire2021.py: every recipe on demo data, stages shared and resumed, the submission."""
import csv
import glob
import json
import os.path as osp

from ..conftest import load_tool

SHORT = ['--cfg-options', 'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
         'default_hooks.checkpoint.interval=1']


def test_recipes_share_stages_and_write_the_submission(mavoc_demo_root, tmp_path):
    tool = load_tool('ntire2021.py')
    work = str(tmp_path / 'work')
    args = ['--demo', '--data-root', mavoc_demo_root, '--work-dir', work]
    result = tool.main(['kd1-pp', *args, '--pp-k', '1', *SHORT])
    assert 'accuracy/top1' in result['val'] and 'accuracy/top1' in result['test']
    with open(osp.join(work, 'kd1-pp', 'results.csv')) as f:
        rows = list(csv.reader(f))
    test_ids = sorted(osp.basename(p)[3:-4] for p in
                      glob.glob(osp.join(mavoc_demo_root, 'test_images', 'test_eo', '*.png')))
    assert rows[0] == ['image_id', 'class_id']
    assert sorted(r[0] for r in rows[1:]) == test_ids
    assert all(0 <= int(r[1]) <= 9 for r in rows[1:])
    # k=1: class 3, balanced last, keeps at most its single most confident prediction
    assert sum(int(r[1]) == 3 for r in rows[1:]) <= 1
    stamps = {s: osp.getmtime(osp.join(work, s, 'stage_done.json')) for s in ('eo', 'sar', 'kd1')}
    with open(osp.join(work, 'kd1', 'stage_done.json')) as f:
        kd1 = json.load(f)
    assert kd1['distill'] and osp.isfile(kd1['checkpoint'])

    result = tool.main(['kd2', *args, '--kd2-iterations', '1', *SHORT])
    for stage, stamp in stamps.items():  # shared stages are not trained again
        assert osp.getmtime(osp.join(work, stage, 'stage_done.json')) == stamp
    assert osp.isfile(osp.join(work, 'kd2', 'iter0_sar', 'step_done.json'))
    assert 'accuracy/top1' in result['test']
