"""``mim train / test / download cmkd_mm``: the package ships its tools, configs and model index
in ``cmkd_mm/.mim`` (setup.py), and mim runs them from a folder outside the repository."""
import functools
import hashlib
import http.server
import os
import os.path as osp
import shutil
import subprocess
import sys
import threading

import pytest
import torch

from ..conftest import ROOT

MIM = osp.join(osp.dirname(sys.executable), 'mim')
CONFIG = 'teacher_fcn-r18_rgb-thermal_mfnet_demo.py'  # found by name inside cmkd_mm/.mim/configs
MODEL = 'cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo'  # configs/demo/metafile.yml


def mim(*args, cwd, env=None):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', PYTHONWARNINGS='ignore', **(env or {}))
    proc = subprocess.run([MIM, *args],
                          cwd=cwd,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    return out


def test_package_ships_tools_configs_and_index():
    mim_dir = osp.join(ROOT, 'cmkd_mm', '.mim')
    for name in ('tools/train.py', 'tools/test.py', 'model-index.yml', f'configs/demo/{CONFIG}'):
        assert osp.isfile(osp.join(mim_dir, name)), f'{name} missing from cmkd_mm/.mim'
    from mim.utils import get_installed_path
    assert osp.samefile(get_installed_path('cmkd_mm'), osp.join(ROOT, 'cmkd_mm'))


def test_mim_train_then_test(tmp_path, mfnet_demo_root):
    data = [f'{s}_dataloader.dataset.data_root={mfnet_demo_root}' for s in ('train', 'test')]
    work = tmp_path / 'work'
    mim('train',
        'cmkd_mm',
        CONFIG,
        '--work-dir',
        str(work),
        '--cfg-options',
        'train_cfg.max_iters=1',
        'default_hooks.checkpoint.interval=1',
        'val_cfg=None',
        'val_dataloader=None',
        'val_evaluator=None',
        'train_dataloader.batch_size=2',
        *data,
        cwd=tmp_path)
    assert (work / 'iter_1.pth').is_file()
    out = mim(
        'test',
        'cmkd_mm',
        CONFIG,
        '--checkpoint',
        str(work / 'iter_1.pth'),
        '--work-dir',
        str(tmp_path / 'test'),
        '--cfg-options',
        data[1],
        cwd=tmp_path)
    assert 'mIoU' in out and 'Testing finished successfully' in out


@pytest.fixture
def file_server(tmp_path):
    served = tmp_path / 'served'
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield served, f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()


def test_mim_download_a_released_model(tmp_path, file_server):
    """A release adds ``Weights`` to a model's metafile entry; ``mim download`` then fetches the
    checkpoint and dumps its config. The installed package is stood in for by a copy of the
    model index and configs on ``PYTHONPATH`` whose entry carries the URL of a local server."""
    served, url = file_server
    from cmkd_mm.zoo.publish import publish_checkpoint
    raw = tmp_path / 'raw.pth'
    torch.save(dict(meta=dict(), state_dict=dict(w=torch.arange(4.))), raw)
    ckpt = publish_checkpoint(str(raw), str(served / f'{MODEL}_20261201.pth')).path
    name = osp.basename(ckpt)

    site = tmp_path / 'site'
    (site / 'cmkd_mm.egg-info').mkdir(parents=True)
    (site / 'cmkd_mm.egg-info' /
     'PKG-INFO').write_text('Metadata-Version: 2.1\nName: cmkd_mm\nVersion: 0.1.0\n')
    mim_dir = site / 'cmkd_mm' / '.mim'
    shutil.copytree(osp.join(ROOT, 'configs'), mim_dir / 'configs')
    shutil.copy(osp.join(ROOT, 'model-index.yml'), mim_dir / 'model-index.yml')
    metafile = mim_dir / 'configs' / 'demo' / 'metafile.yml'
    text = metafile.read_text()
    entry = f'  - Name: {MODEL}\n'
    assert entry in text
    metafile.write_text(text.replace(entry, f'{entry}    Weights: {url}/{name}\n'))

    dest = tmp_path / 'dest'
    mim('download',
        'cmkd_mm',
        '--config',
        MODEL,
        '--dest',
        str(dest),
        cwd=tmp_path,
        env=dict(PYTHONPATH=str(site)))
    got = dest / name
    assert hashlib.sha256(got.read_bytes()).hexdigest() == hashlib.sha256(open(
        ckpt, 'rb').read()).hexdigest()
    from mmengine.config import Config
    cfg = Config.fromfile(str(dest / f'{MODEL}.py'))
    assert cfg.model.type == 'CrossModalDistill'
