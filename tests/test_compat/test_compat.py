"""The compatibility patches: mmrazor importable on torch 2.x, Runner checkpoints loadable."""
import subprocess
import sys

import numpy as np
import pytest
import torch


def test_mmrazor_models_import_needs_the_shim():
    """Without the shim mmrazor 1.0.0 fails on torch 2.x (mmrazor#615/#632); with it, it works."""
    code = 'import mmrazor.models'
    bare = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert bare.returncode != 0 and 'torch>=1.13' in bare.stderr
    patched = subprocess.run([
        sys.executable, '-c', 'import cmkd_mm; ' + code +
        '; from mmrazor.models import SingleTeacherDistill, ConfigurableDistiller'
    ],
                             capture_output=True,
                             text=True)
    assert patched.returncode == 0, patched.stderr


def test_runner_checkpoint_loads_with_weights_only(tmp_path):
    """A message hub with HistoryBuffer and numpy values loads with weights_only=True."""
    from mmengine.logging import HistoryBuffer, MessageHub
    hub = MessageHub.get_instance('compat_test')
    hub.update_scalar('train/loss', 1.5)
    hub.update_info('np_scalar', np.float64(2.5))
    hub.update_info('np_array', np.arange(3, dtype=np.int64))
    ckpt = dict(state_dict=dict(w=torch.ones(2)), meta=dict(message_hub=hub.state_dict()))
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    loaded = torch.load(path, weights_only=True)
    buf = loaded['meta']['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer) and buf.current() == 1.5
    assert loaded['meta']['message_hub']['runtime_info']['np_scalar'] == 2.5


def test_weights_only_still_rejects_other_globals(tmp_path):
    """The allow-list is narrow: arbitrary classes are still refused."""
    path = tmp_path / 'evil.pth'
    torch.save(dict(obj=subprocess.CompletedProcess(args=[], returncode=0)), path)
    with pytest.raises(Exception, match='(?i)weights only|unsupported global'):
        torch.load(path, weights_only=True)


def test_cpu_launcher_skips_set_device_and_uses_gloo(monkeypatch):
    """Without CUDA, mmengine's --launcher pytorch start selects no device and uses gloo; the
    real start under gloo is exercised by tests/test_engine/test_runner/test_teacher_prepass.py."""
    from mmengine.dist import utils

    from cmkd_mm.compat import patch_cpu_launcher
    assert patch_cpu_launcher() and utils._init_dist_pytorch.cpu_launcher
    calls = []

    def original(backend, init_backend='torch', **kwargs):
        torch.cuda.set_device(0)  # what mmengine does first, whatever the backend
        calls.append(backend)

    monkeypatch.setattr(utils, '_init_dist_pytorch', original)
    patch_cpu_launcher()
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    utils._init_dist_pytorch('nccl')
    assert calls == ['gloo']


def test_cpu_ddp_drops_device_ids(monkeypatch):
    """mmengine's Runner wraps with device_ids=[LOCAL_RANK], which DDP refuses on the CPU."""
    from mmengine.model import MMDistributedDataParallel
    from torch.nn.parallel import DistributedDataParallel
    got = {}
    monkeypatch.setattr(DistributedDataParallel, '__init__',
                        lambda self, module, **kwargs: got.update(kwargs))
    MMDistributedDataParallel(module=torch.nn.Linear(2, 2), device_ids=[1], broadcast_buffers=False)
    assert got == dict(broadcast_buffers=False)
