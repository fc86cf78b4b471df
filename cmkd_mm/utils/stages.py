"""Resumable multi-stage runs: a stage is skipped once its record is written."""
import glob
import json
import os.path as osp
from typing import Callable, Dict

from mmengine.logging import print_log


def best_checkpoint(work_dir: str) -> str:
    """The best validation checkpoint (``best_*.pth``) of a finished run, else its last one.

    Args:
        work_dir (str): The run's work dir.
    """
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')))
    if best:
        return best[-1]
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def run_stage(name: str, work_dir: str, train: Callable[[], Dict],
              marker: str = 'stage_done.json') -> Dict:
    """Run ``train`` unless ``<work_dir>/<marker>`` exists; return the stage record.

    Args:
        name (str): Stage name, stored as ``stage`` in the record.
        work_dir (str): The stage's work dir.
        train (callable): Trains the stage and returns its record.
        marker (str): File holding the record of a finished stage.
    """
    done = osp.join(work_dir, marker)
    if osp.isfile(done):
        print_log(f'{name}: done before, skipped', logger='current')
        with open(done) as f:
            return json.load(f)
    record = dict(stage=name, **train())
    with open(done, 'w') as f:
        json.dump(record, f, indent=1)
    return record
