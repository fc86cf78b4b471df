"""Read mmengine's json scalar logs: training / validation curves and training time.

mmengine (``LoggerHook`` + ``LocalVisBackend``) writes one json dict per line to
``<work_dir>/<timestamp>/vis_data/<timestamp>.json`` (and ``scalars.json`` beside it):

- a training line every ``logger.interval`` iterations: ``lr``, ``loss``, the loss terms
  (``decode.loss_ce``, ``distill.loss_adv_p2``, ...), ``time``, ``data_time``, ``iter``
  (global), ``step`` (= ``iter``) and, with an epoch loop, ``epoch``;
- a validation line after each validation: the metrics (``coco/bbox_mAP``, ``mIoU``,
  ``accuracy/top1``, ...), ``time``, ``data_time`` and ``step``: the epoch with an epoch loop,
  else the iteration (0 for a run that only validates).

A line is a training line when it has ``iter``, ``loss`` or ``lr`` (or ``mode='train'`` in the
old mmdet 2.x format), a validation line when it has only ``step``; ``tools/test.py`` dumps
(no ``step``) are left out.
"""
import json
import os
import os.path as osp
import re
from glob import glob
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')
BOOKKEEPING = ('step', 'iter', 'epoch', 'mode')


def read_json_log(path: str) -> Tuple[List[Dict], List[Dict]]:
    """The training and validation lines of one json scalar log.

    Args:
        path (str): The log (one json dict per line; a line cut short by a running job is
            skipped).

    Returns:
        tuple[list[dict], list[dict]]: Training lines, validation lines, in file order.
    """
    train, val = [], []
    with open(path) as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if not isinstance(entry, dict):
                continue
            mode = entry.get('mode')
            if mode == 'train' or (mode is None and
                                   ('iter' in entry or 'loss' in entry or 'lr' in entry)):
                train.append(entry)
            elif mode == 'val' or (mode is None and 'step' in entry):
                val.append(entry)
    return train, val


def _x(entry: Dict, train: bool) -> float:
    if train:
        return entry.get('iter', entry.get('step', 0))
    return entry.get('step', entry.get('epoch', 0))


class RunLog:
    """The scalars of one training run: its training and validation lines.

    Args:
        name (str): Name of the run (for messages and legends).
        train (list[dict]): Training lines.
        val (list[dict]): Validation lines.
        paths (Sequence[str]): The files read.
    """

    def __init__(self, name: str, train: List[Dict], val: List[Dict], paths: Sequence[str]) -> None:
        self.name = name
        self.train = train
        self.val = val
        self.paths = list(paths)
        self.by_epoch = any('epoch' in e for e in train)

    @classmethod
    def from_files(cls, paths: Sequence[str], name: Optional[str] = None) -> 'RunLog':
        """Join the logs of one run, oldest first: a later (resumed) log replaces what the
        earlier ones logged from its first iteration (epoch) on.

        Args:
            paths (Sequence[str]): Json logs in time order.
            name (str, optional): Default: the run's work dir name.
        """
        train: List[Dict] = []
        val: List[Dict] = []
        for path in paths:
            seg_train, seg_val = read_json_log(path)
            if seg_train:
                first = seg_train[0]
                start_iter = _x(first, True)
                start_val = first.get('epoch', start_iter) if 'epoch' in first else start_iter
                train = [e for e in train if _x(e, True) < start_iter]
                val = [e for e in val if _x(e, False) < start_val]
            train += seg_train
            val += seg_val
        return cls(name or run_name(paths[-1]), train, val, paths)

    @property
    def keys(self) -> List[str]:
        """Every scalar the run logged (``step`` / ``iter`` / ``epoch`` left out)."""
        names = {k for e in self.train + self.val for k in e if k not in BOOKKEEPING}
        return sorted(names)

    def resolve(self, key: str) -> str:
        """The logged name of ``key``: as given, without a ``train/`` or ``val/`` prefix, or
        the one logged name ending in ``/<key>`` or ``.<key>`` with the fewest prefixes
        (``bbox_mAP`` -> ``coco/bbox_mAP``, ``loss_kl`` -> ``distill.loss_kl``).

        Raises:
            KeyError: The run has no such key (the message lists the keys it has), or
                several with the same number of prefixes.
        """
        names = self.keys
        if key in names:
            return key
        for prefix in ('train/', 'val/'):
            if key.startswith(prefix) and key[len(prefix):] in names:
                return key[len(prefix):]
        matches = [n for n in names if n.endswith('/' + key) or n.endswith('.' + key)]
        if matches:
            depth = {n: n.count('/') + n.count('.') for n in matches}
            best = [n for n in matches if depth[n] == min(depth.values())]
            if len(best) == 1:
                return best[0]
            raise KeyError(f'{self.name}: key {key!r} is ambiguous: {best}')
        raise KeyError(f'{self.name}: no key {key!r} in {", ".join(self.paths)}; '
                       f'the log has: {", ".join(names)}')

    def curve(self, key: str) -> Tuple[np.ndarray, np.ndarray, str]:
        """``(x, y, x label)`` of one scalar: a training scalar over iterations, a
        validation metric over epochs (epoch loop) or iterations. A step logged twice keeps
        its last value.

        Args:
            key (str): The scalar, resolved with :meth:`resolve`.
        """
        name = self.resolve(key)
        is_train = any(name in e for e in self.train)
        points = {}
        for entry in (self.train if is_train else self.val):
            if name in entry and entry[name] is not None:
                points[_x(entry, is_train)] = float(entry[name])
        x = np.array(sorted(points), dtype=float)
        y = np.array([points[v] for v in sorted(points)], dtype=float)
        label = 'epoch' if self.by_epoch and not is_train else 'iteration'
        return x, y, label


def run_name(path: str) -> str:
    """A short name of a log: its work dir (``.../<work_dir>/<ts>/vis_data/<ts>.json``)."""
    parts = osp.abspath(path).split(os.sep)
    if len(parts) >= 4 and parts[-2] == 'vis_data' and TIMESTAMP.match(parts[-3]):
        return parts[-4]
    return osp.splitext(osp.basename(path))[0]


def _vis_log(work_dir: str, ts: str) -> Optional[str]:
    """The json log of the run started at ``ts`` in ``work_dir``. Runs of one process whose
    configs name their visualizer alike share it (mmengine keeps one per name), and it keeps
    writing to the first run's ``vis_data``: so the log may also be in a sibling (or the
    work dir of the same stage under another random seed). Recipes give each stage its own
    visualizer; recipe runs made before that, and other scripts that run several configs in one
    process, log this way."""
    own = osp.join(work_dir, ts, 'vis_data', f'{ts}.json')
    if osp.isfile(own):
        return own
    base = osp.abspath(work_dir)
    for _ in range(2):
        base = osp.dirname(base)
        for pattern in ('*/*/vis_data', '*/*/*/vis_data'):
            found = sorted(glob(osp.join(base, pattern, f'{ts}.json')))
            if found:
                return found[0]
    return None


def find_logs(work_dir: str) -> List[str]:
    """The json logs of a work dir's runs, oldest first (never ``scalars.json``).

    Args:
        work_dir (str): A work dir (``<work_dir>/<timestamp>/vis_data/<timestamp>.json``),
            or a timestamp folder or its ``vis_data``.
    """
    stamps = sorted(
        d for d in os.listdir(work_dir) if TIMESTAMP.match(d) and osp.isdir(osp.join(work_dir, d)))
    logs = [p for p in (_vis_log(work_dir, ts) for ts in stamps) if p]
    if not logs:
        for pattern in ('*.json', 'vis_data/*.json'):
            logs += sorted(
                p for p in glob(osp.join(work_dir, pattern)) if osp.basename(p) != 'scalars.json')
    return logs


def load_run(path: str, name: Optional[str] = None) -> RunLog:
    """One run from a json log, or from a work dir: its training logs (a resumed run's logs
    joined), else, when none trained, its newest log.

    Args:
        path (str): A json log or a work dir.
        name (str, optional): Name of the run.

    Raises:
        FileNotFoundError: No log.
    """
    if osp.isfile(path):
        return RunLog.from_files([path], name)
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path}: no such json log or work dir')
    logs = find_logs(path)
    trained = [p for p in logs if read_json_log(p)[0]]
    if not logs:
        raise FileNotFoundError(f'{path}: no json scalar log (<timestamp>/vis_data/'
                                '<timestamp>.json) in this work dir')
    return RunLog.from_files(trained or logs[-1:], name or osp.basename(osp.abspath(path)))


def train_time(run: RunLog, include_outliers: bool = False) -> Dict:
    """Iteration-time statistics of a run, per epoch (epoch loop) or per logged iteration.

    The first logged time of each epoch (of the run, for an iteration loop) is left out unless
    ``include_outliers``: it holds the start-up (kept when an epoch logs only once).

    Args:
        run (RunLog): The run.
        include_outliers (bool): Keep the first logged time of each epoch.

    Returns:
        dict: ``unit`` ('epoch' or 'iter'), ``slowest`` / ``fastest`` (that epoch or logged
        iteration and its mean time, s/iter), ``std`` (of the per-epoch / per-line means),
        ``avg_iter_time`` (s/iter), ``iters`` (last iteration) and ``train_time`` (s,
        estimated: each logged time x the iterations since the previous training line),
        ``outliers`` (whether the first times were kept).
    """
    lines = [e for e in run.train if 'time' in e]
    if not lines:
        raise KeyError(f'{run.name}: no training line with "time" in {run.paths}')
    groups: Dict[int, List[float]] = {}
    for e in lines:
        group = int(e['epoch']) if run.by_epoch else int(_x(e, True))
        groups.setdefault(group, []).append(float(e['time']))
    if not include_outliers:
        if run.by_epoch:
            kept = {k: v[1:] for k, v in groups.items() if len(v) > 1}
        else:
            kept = {k: v for k, v in groups.items() if k != min(groups)}
        include_outliers = not kept  # one logged time per epoch: keep them all
        groups = kept or groups
    means = {k: float(np.mean(v)) for k, v in groups.items()}
    slowest, fastest = max(means, key=means.get), min(means, key=means.get)
    iters = [_x(e, True) for e in lines]
    steps = np.diff([0] + iters)
    return dict(
        unit='epoch' if run.by_epoch else 'iter',
        slowest=(slowest, means[slowest]),
        fastest=(fastest, means[fastest]),
        std=float(np.std(list(means.values()))),
        avg_iter_time=float(np.mean([t for v in groups.values() for t in v])),
        iters=int(iters[-1]),
        outliers=include_outliers,
        train_time=float(np.sum(steps * np.array([float(e['time']) for e in lines]))))


def format_train_time(run: RunLog, stats: Dict) -> str:
    """The :func:`train_time` of a run as text (mmdet's ``cal_train_time`` lines)."""
    unit = stats['unit']
    return '\n'.join([
        f'-----Analyze train time of {", ".join(run.paths)}-----',
        f'slowest {unit} {stats["slowest"][0]}, average time is {stats["slowest"][1]:.4f} s/iter',
        f'fastest {unit} {stats["fastest"][0]}, average time is {stats["fastest"][1]:.4f} s/iter',
        f'time std over {unit}s is {stats["std"]:.4f}',
        f'average iter time: {stats["avg_iter_time"]:.4f} s/iter' +
        (' (first logged times included)' if stats['outliers'] else ''),
        f'training time (estimated, {stats["iters"]} iters): {stats["train_time"]:.1f} s', ''
    ])
