"""tools/dist_train.sh and tools/dist_cache_teacher.sh hand torchrun the right script, the config,
the process count and the user's flags (a stand-in python prints what it is given)."""
import os
import os.path as osp
import subprocess

from ..conftest import ROOT

TOOLS = osp.join(ROOT, 'tools')


def _torchrun_args(tmp_path, script, *args):
    fake = tmp_path / 'python'
    fake.write_text('#!/bin/sh\necho "$@"\n')
    fake.chmod(0o755)
    env = dict(os.environ, PYTHON=str(fake), PORT='29500')
    env.pop('CMKD_DIST_SCRIPT', None)
    out = subprocess.run(['bash', osp.join(TOOLS, script), *args],
                         env=env,
                         capture_output=True,
                         text=True,
                         check=True)
    return out.stdout.split()


def test_dist_train_and_the_prepass(tmp_path):
    head = ['-m', 'torch.distributed.run', '--nnodes=1', '--node_rank=0', '--master_addr=127.0.0.1']
    assert _torchrun_args(tmp_path, 'dist_train.sh', 'kd.py', '8', '--teacher-cache') == head + [
        '--nproc_per_node=8', '--master_port=29500',
        osp.join(TOOLS, 'train.py'), 'kd.py', '--launcher', 'pytorch', '--teacher-cache'
    ]
    assert _torchrun_args(tmp_path, 'dist_cache_teacher.sh', 'kd.py', '2', '--work-dir',
                          'w') == head + [
                              '--nproc_per_node=2', '--master_port=29500',
                              osp.join(TOOLS, 'analysis_tools', 'cache_teacher.py'), 'kd.py',
                              '--launcher', 'pytorch', '--work-dir', 'w'
                          ]
