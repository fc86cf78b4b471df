"""cmkd_mm.analysis and tools/analysis_tools/analyze_logs.py on synthetic mmengine json logs."""
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from PIL import Image

from cmkd_mm.analysis import RecipeLogs, aggregate, load_run, plot_recipe, plot_runs, train_time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    path = osp.join(ROOT, 'tools', 'analysis_tools', 'analyze_logs.py')
    spec = importlib.util.spec_from_file_location('analyze_logs', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_log(path, train=(), val=(), tail=''):
    """Lines as mmengine's LoggerHook writes them (train: ``iter``/``step``, val: ``step``)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        for it, values in train:
            f.write(json.dumps(dict(lr=0.01, data_time=0.01, **values, iter=it, step=it)) + '\n')
        for step, values in val:
            f.write(json.dumps(dict(values, data_time=0.01, time=0.02, step=step)) + '\n')
        f.write(tail)
    return path


def vis_log(work_dir, ts, **kwargs):
    return write_log(osp.join(work_dir, ts, 'vis_data', f'{ts}.json'), **kwargs)


def epoch_log(path, loss_key='distill.loss_adv_p2', shift=0.0):
    """2 epochs x 3 lines (iters 10..60), coco metrics after each epoch."""
    times = [1.0, 0.2, 0.4, 0.9, 0.3, 0.5]
    train = [(10 * (i + 1), {
        'loss': 1.0 - 0.1 * i + shift,
        loss_key: 0.5 / (i + 1),
        'time': times[i],
        'epoch': i // 3 + 1
    }) for i in range(6)]
    val = [(e, {'coco/bbox_mAP': 0.1 * e + shift, 'teacher/coco/bbox_mAP': 0.5}) for e in (1, 2)]
    return write_log(path, train, val, tail='{"coco/bbox_mAP": 0.3}{"trunc')  # test dump, cut


def test_read_resolve_and_unknown_key(tmp_path):
    run = load_run(epoch_log(str(tmp_path / 'a.json')))
    assert len(run.train) == 6 and len(run.val) == 2 and run.by_epoch
    assert run.resolve('loss_adv_p2') == 'distill.loss_adv_p2'
    assert run.resolve('bbox_mAP') == 'coco/bbox_mAP'  # not teacher/coco/bbox_mAP
    assert run.resolve('val/coco/bbox_mAP') == 'coco/bbox_mAP'
    x, y, label = run.curve('bbox_mAP')
    assert label == 'epoch' and x.tolist() == [1, 2] and np.allclose(y, [0.1, 0.2])
    assert run.curve('loss')[2] == 'iteration' and run.curve('loss')[0].tolist()[-1] == 60
    with pytest.raises(KeyError, match=r"no key 'mIoU'.*coco/bbox_mAP.*distill\.loss_adv_p2"):
        run.curve('mIoU')


def test_work_dir_resume_and_shared_vis_data(tmp_path):
    work = str(tmp_path / 'stage_a')
    vis_log(
        work,
        '20240101_000000',
        train=[(i, {
            'loss': 1.0,
            'time': 0.1
        }) for i in (10, 20, 30)],
        val=[(20, {
            'mIoU': 10.0
        }), (30, {
            'mIoU': 11.0
        })])
    # resumed from iter 20: replaces iter 30 and the val at 30
    vis_log(
        work,
        '20240101_010000',
        train=[(i, {
            'loss': 0.5,
            'time': 0.1
        }) for i in (30, 40)],
        val=[(40, {
            'mIoU': 20.0
        })])
    vis_log(work, '20240101_020000', val=[(0, {'mIoU': 20.0})])  # evaluation only: left out
    write_log(
        osp.join(work, '20240101_000000', 'vis_data', 'scalars.json'), val=[(0, {
            'mIoU': -1.0
        })])
    run = load_run(work)
    assert len(run.paths) == 2 and run.name == 'stage_a'
    assert run.curve('loss')[0].tolist() == [10, 20, 30, 40]
    assert run.curve('loss')[1].tolist() == [1.0, 1.0, 0.5, 0.5]
    assert run.curve('mIoU')[1].tolist() == [10.0, 20.0]
    # a later run of the same process logs into the first run's vis_data (shared visualizer)
    other = str(tmp_path / 'stage_b')
    os.makedirs(osp.join(other, '20240101_030000'))
    write_log(
        osp.join(work, '20240101_000000', 'vis_data', '20240101_030000.json'),
        train=[(10, {
            'loss': 2.0,
            'time': 0.1
        })])
    assert len(load_run(work).paths) == 2
    assert load_run(other).curve('loss')[1].tolist() == [2.0]


def test_plot_runs_and_tool(tmp_path):
    log_a = epoch_log(str(tmp_path / 'a' / '20240101_000000' / 'vis_data' / '20240101_000000.json'))
    epoch_log(
        str(tmp_path / 'b' / '20240102_000000' / 'vis_data' / '20240102_000000.json'),
        loss_key='distill.loss_mse',
        shift=0.05)
    fig = plot_runs([load_run(log_a), load_run(str(tmp_path / 'b'))], ['loss'])
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 2
    out = str(tmp_path / 'runs.png')
    fig = _tool().main([
        'plot_curve', log_a,
        str(tmp_path / 'b'), '--keys', 'loss', 'bbox_mAP', '--legend', 'adv', 'mse', '--title',
        'KD', '--style', 'whitegrid', '--out', out
    ])
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [len(ax.lines) for ax in axes] == [2, 2]
    assert [ax.get_xlabel() for ax in axes] == ['iteration', 'epoch']
    assert axes[1].get_title() == 'coco/bbox_mAP'
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ['adv', 'mse']
    with Image.open(out) as img:
        assert img.size[0] > 0 and img.size[1] > 0
    with pytest.raises(KeyError, match='loss_adv_p2'):
        plot_runs([load_run(log_a), load_run(str(tmp_path / 'b'))], ['loss_adv_p2'])


def test_cal_train_time_by_hand(tmp_path, capsys):
    run = load_run(epoch_log(str(tmp_path / 'a.json')))
    stats = train_time(run)  # first line of each epoch left out
    assert stats['unit'] == 'epoch' and stats['iters'] == 60
    assert stats['slowest'][0] == 2 and stats['slowest'][1] == pytest.approx(0.4)
    assert stats['fastest'][0] == 1 and stats['fastest'][1] == pytest.approx(0.3)
    assert stats['std'] == pytest.approx(0.05)
    assert stats['avg_iter_time'] == pytest.approx(0.35)
    assert stats['train_time'] == pytest.approx(10 * 3.3)
    stats = train_time(run, include_outliers=True)
    assert stats['slowest'][1] == pytest.approx(1.7 / 3) and stats['avg_iter_time'] == \
        pytest.approx(0.55)
    _tool().main(['cal_train_time', str(tmp_path / 'a.json')])
    out = capsys.readouterr().out
    assert 'slowest epoch 2, average time is 0.4000 s/iter' in out
    assert 'average iter time: 0.3500 s/iter' in out


def fake_recipe(tmp_path):
    """A recipe work dir: 2 seeds x teacher / baseline / student, like tools/run_recipe.py."""
    recipe = tmp_path / 'recipe.py'
    recipe.write_text("report = dict(title='Demo', rows=dict(teacher='Teacher (RGB+T)', "
                      "baseline='Baseline (T)', student='CMKD (T)'))\n")
    work = str(tmp_path / 'work')
    wall = dict(teacher=(10.0, 14.0), baseline=(5.0, 7.0), student=(20.0, 20.0))
    level = dict(teacher=50.0, baseline=30.0, student=40.0)
    for s, seed in enumerate((0, 1)):
        run_dir = osp.join(work, f'seed_{seed}')
        for k, stage in enumerate(('data', 'teacher', 'baseline', 'student')):
            os.makedirs(osp.join(run_dir, stage))
            record = dict(
                stage=stage,
                type='DemoData' if stage == 'data' else 'Train',
                wall_time_s=wall.get(stage, (0.1, 0.1))[s])
            with open(osp.join(run_dir, stage, 'recipe_stage.json'), 'w') as f:
                json.dump(record, f)
            if stage == 'data':
                continue
            ts = f'2024010{s + 1}_00000{k}'
            loss = 'student.decode.loss_ce' if stage == 'student' else 'decode.loss_ce'
            train = [(i, {
                'loss': 1.0 / i,
                loss: 1.0 / i + s,
                'time': 0.1 * (s + 1)
            }) for i in (10, 20, 30, 40)]
            val = [(i, {
                'mIoU': level[stage] + i / 10 + 2 * s,
                'teacher/mIoU': 1.0
            }) for i in (20, 40)]
            # seed 1's student logs into seed 0's teacher vis_data (one process, one visualizer)
            first = osp.join(work, 'seed_0', 'teacher', '20240101_000001')
            path = osp.join(first, 'vis_data', f'{ts}.json') if (s, stage) == (1, 'student') \
                else osp.join(run_dir, stage, ts, 'vis_data', f'{ts}.json')
            os.makedirs(osp.join(run_dir, stage, ts), exist_ok=True)
            write_log(path, train=train, val=val)
    with open(osp.join(work, 'results.json'), 'w') as f:
        json.dump(dict(recipe=str(recipe), seeds=[0, 1], stages={}), f)
    return work


def test_recipe_curves_and_time(tmp_path, capsys):
    work = fake_recipe(tmp_path)
    recipe = RecipeLogs(work)
    assert recipe.stages == ['teacher', 'baseline', 'student'] and recipe.seeds == [0, 1]
    fig = plot_recipe(recipe, ['mIoU', 'decode.loss_ce'])
    for ax in fig.axes:
        assert len(ax.lines) == 3
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 3
    miou = fig.axes[0]
    assert [t.get_text() for t in miou.get_legend().get_texts()][0] == 'Teacher (RGB+T) (2 seeds)'
    assert miou.lines[0].get_xdata().tolist() == [20, 40]
    assert np.allclose(miou.lines[0].get_ydata(), [50 + 2 + 1, 50 + 4 + 1])  # mean of 2 seeds
    assert 'min–max' in fig.get_suptitle() and miou.get_xlabel() == 'iteration'
    x, mean, low, high = aggregate([(np.array([1, 2]), np.array([1.0, 2.0])),
                                    (np.array([1, 2, 3]), np.array([3.0, 4.0, 9.0]))], 'std')
    assert x.tolist() == [1, 2] and np.allclose(mean, [2, 3]) and np.allclose(
        high - mean, [np.sqrt(2)] * 2)
    out = str(tmp_path / 'recipe.png')
    fig = _tool().main([
        'plot_curve', '--recipe', work, '--keys', 'mIoU', '--stages', 'baseline', 'student',
        '--spread', 'std', '--out', out
    ])
    assert len(fig.axes[0].lines) == 2 and '± 1 std' in fig.get_suptitle()
    with Image.open(out) as img:
        assert min(img.size) > 0
    _tool().main(['cal_train_time', '--recipe', work])
    table = capsys.readouterr().out
    assert '| Teacher (RGB+T) | 2 | 12.0 ± 2.8 | 6.0 ± 2.8 | 0.1500 ± 0.0707 |' in table
    with pytest.raises(KeyError, match="no key 'bbox_mAP'"):
        plot_recipe(recipe, ['bbox_mAP'])
    with pytest.raises(FileNotFoundError, match='nope'):
        RecipeLogs(work, stages=['nope'])
    # a seed still running its first stage: left out of the stages other seeds finished
    vis_log(
        osp.join(work, 'seed_2', 'teacher'),
        '20240103_000001',
        train=[(10, {
            'loss': 9.0,
            'decode.loss_ce': 9.0,
            'time': 0.1
        })])
    recipe = RecipeLogs(work)
    assert recipe.seeds == [0, 1, 2] and sorted(recipe.logs['teacher']) == [0, 1]
