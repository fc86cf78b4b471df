"""A store of the frozen teacher's recorded outputs, per sample, shared by every rank.

``CrossModalDistill(teacher_cache=dict(...))`` keeps what the distiller's teacher recorders
captured for every training sample, keyed by :func:`sample_key`: the sample's dataset index,
the flip the pipeline applied (the random transform the key describes) and the padded shape of
the teacher's input. :meth:`TeacherOutputCache.record` replays a batch whose samples are all
stored and skips the teacher; a batch with some samples stored runs the teacher on the missing
samples alone (the same padded input shape, so the same outputs) and replays the rest; a batch
with none stored runs the teacher as usual. What the teacher ran on is stored.

A record is whatever the recorder holds (a tensor, or tuples / lists of them, one record per
call): every tensor must have the batch as its first axis, and is stored per sample. With a
directory (``TeacherCacheHook`` opens ``<work_dir>/teacher_cache/<fingerprint>``), every entry
goes to disk at once, into one store all ranks read (:class:`ShardedStore`); up to
``memory_bytes`` of entries, computed here or read from the store, are also kept in memory.
Without one, entries stay in memory. ``dtype='float16'`` halves the bytes of floating-point
tensors (the error this adds is measured in ``docs/performance.md``).
"""
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch

from .teacher_cache_store import ShardedStore

Key = Tuple
STORE_DTYPES = ('float32', 'float16')


def sample_key(sample, shapes: Sequence[Tuple[int, ...]]) -> Key:
    """``(dataset index, flip, flip direction, teacher input shapes)`` of one data sample.

    Args:
        sample: A data sample with ``sample_idx`` in its meta information.
        shapes (Sequence[tuple]): Padded ``(H, W)`` of each teacher view of the batch.
    """
    meta = sample.metainfo
    if 'sample_idx' not in meta:
        raise KeyError('teacher_cache needs "sample_idx" in the data samples\' meta '
                       'information; pack the samples with PackMultiModalInputs')
    flip = bool(meta.get('flip', False))
    return (int(meta['sample_idx']), flip, meta.get('flip_direction') if flip else None,
            tuple(tuple(s) for s in shapes))


def flatten(record: Any) -> Tuple[Any, List[torch.Tensor]]:
    """``(structure, tensors)`` of a nested tuple / list of tensors."""
    if isinstance(record, torch.Tensor):
        return ('tensor', str(record.dtype).replace('torch.', '')), [record]
    if isinstance(record, (tuple, list)):
        specs, leaves = [], []
        for item in record:
            spec, items = flatten(item)
            specs.append(spec)
            leaves.extend(items)
        return (type(record).__name__, tuple(specs)), leaves
    if record is None:
        return ('none', None), []
    raise TypeError(f'teacher_cache stores tensors and tuples / lists of them, not '
                    f'{type(record).__name__}')


def unflatten(spec: Any, leaves: List[torch.Tensor]) -> Any:
    """Inverse of :func:`flatten`; ``leaves`` is consumed from the front."""
    kind, inner = spec
    if kind == 'tensor':
        return leaves.pop(0).to(getattr(torch, inner))
    if kind == 'none':
        return None
    items = [unflatten(s, leaves) for s in inner]
    return tuple(items) if kind == 'tuple' else items


#: What :meth:`TeacherOutputCache.record` counts: batches wholly replayed, partly replayed (the
#: teacher ran on the missing samples only) and wholly run, and samples replayed and run.
COUNTS = ('batches_replayed', 'batches_partial', 'batches_run', 'samples_replayed', 'samples_run')


class TeacherOutputCache:
    """Per-sample teacher records: on disk in a store shared by every rank, and in memory up to
    a byte budget.

    Args:
        memory_bytes (int): Bytes of entries kept in memory per process. Defaults to 2 GiB.
        dtype (str): ``'float32'`` (exact) or ``'float16'`` (half the bytes) for floating
            tensors. Defaults to ``'float32'``.
        directory (str, optional): Where the stores live. ``TeacherCacheHook`` opens the store
            of the run's teacher in ``<directory>/<fingerprint>``; by default ``directory`` is
            ``<work_dir>/teacher_cache``. Give one directory to several runs (seeds, students)
            of the same teacher and pipeline to compute the teacher once for all of them.
    """

    def __init__(self,
                 memory_bytes: int = 2 << 30,
                 dtype: str = 'float32',
                 directory: Optional[str] = None) -> None:
        if dtype not in STORE_DTYPES:
            raise ValueError(f'teacher_cache dtype must be one of {STORE_DTYPES}, got {dtype!r}')
        self.memory_bytes = int(memory_bytes)
        self.dtype = getattr(torch, dtype)
        self.directory = directory
        self.armed = False  # set by TeacherCacheHook once the pipeline is checked
        self.store: Optional[ShardedStore] = None
        self.memory: Dict[Key, List[torch.Tensor]] = {}
        self.memory_used = 0
        self.specs: Optional[Dict[str, Any]] = None
        self.counts = dict.fromkeys(COUNTS, 0)

    def open(self, directory: str, rank: int = 0) -> int:
        """Use the store in ``directory`` (created if missing) instead of memory alone or
        another store; every entry put from now on goes there too.

        Args:
            directory (str): The store of one teacher fingerprint.
            rank (int): This process's rank (names the shard it writes).

        Returns:
            int: The number of samples already stored there.
        """
        if self.store is not None:
            self.store.close()
        self.store = ShardedStore(directory, rank)
        self.memory, self.memory_used = {}, 0  # what was kept belongs to the store before
        self.specs = self.store.specs
        return len(self.store)

    def close(self) -> None:
        """Close the store's files of this process (its entries stay on disk)."""
        if self.store is not None:
            self.store.close()

    @property
    def hits(self) -> int:
        """Batches replayed wholly."""
        return self.counts['batches_replayed']

    @property
    def misses(self) -> int:
        """Batches the teacher ran on (wholly or for some samples)."""
        return self.counts['batches_partial'] + self.counts['batches_run']

    def __len__(self) -> int:
        return len(self.store) if self.store is not None else len(self.memory)

    def __contains__(self, key: Key) -> bool:
        return key in self.memory or (self.store is not None and key in self.store)

    def bytes_per_sample(self) -> float:
        """Mean stored bytes of one sample."""
        if self.store is not None and len(self.store):
            return sum(map(self.store.entry_bytes, self.store.index)) / len(self.store)
        sizes = [sum(t.numel() * t.element_size() for t in v) for v in self.memory.values()]
        return sum(sizes) / len(sizes) if sizes else 0.

    def missing(self, keys: Sequence[Key]) -> List[int]:
        """Positions of the keys stored nowhere yet (looking at what other ranks have stored
        since the last look when some are missing)."""
        absent = [i for i, k in enumerate(keys) if k not in self]
        if absent and self.store is not None and self.store.refresh():
            self.specs = self.specs or self.store.specs
            absent = [i for i in absent if keys[i] not in self]
        return absent

    # --- recording a batch ----------------------------------------------------------------
    def record(self, recorders: Dict[str, Any], data_samples: Sequence,
               teacher_inputs: Sequence[torch.Tensor], run: Callable[..., dict]) -> dict:
        """Fill the teacher recorders for a batch: replayed where its samples are stored, by
        the teacher where they are not (what it recorded is then stored).

        Args:
            recorders (dict): ``name -> recorder``, the distiller's teacher recorders (entered,
                so empty).
            data_samples (Sequence): The batch's data samples (their keys: :func:`sample_key`).
            teacher_inputs (Sequence[torch.Tensor]): The batch of each view the teachers read
                (their shapes are part of the keys).
            run (callable): ``run(indices)`` runs the teacher(s) into the recorders on the
                samples at ``indices`` of the batch (all of them for None) and returns their
                losses.

        Returns:
            dict: ``run()``'s losses, or an empty dict when the batch was replayed.
        """
        if not self.armed:
            raise RuntimeError('teacher_cache needs custom_hooks=[dict(type='
                               "'TeacherCacheHook')]: it checks that the pipeline gives the "
                               'teacher the same input for a sample every time and keeps the '
                               'cache across --resume')
        shapes = [tuple(x.shape[2:]) for x in teacher_inputs]
        keys = [sample_key(s, shapes) for s in data_samples]
        absent = self.missing(keys)
        self.counts['samples_run'] += len(absent)
        self.counts['samples_replayed'] += len(keys) - len(absent)
        losses = {}
        if absent:
            whole = len(absent) == len(keys)
            losses = run(None if whole else absent)
            self.put([keys[i] for i in absent], {
                name: r.data_buffer
                for name, r in recorders.items()
            })
            if whole:
                self.counts['batches_run'] += 1
                return losses
            self.counts['batches_partial'] += 1
        else:
            self.counts['batches_replayed'] += 1
        for name, buffer in self._replay(keys, teacher_inputs[0].device).items():
            recorders[name].reset_data_buffer()
            recorders[name].data_buffer.extend(buffer)
        return losses

    # --- storing -------------------------------------------------------------------------
    def put(self, keys: Sequence[Key], buffers: Dict[str, List[Any]]) -> None:
        """Store the records of a batch, sample by sample (keys already stored are skipped).

        Args:
            keys (Sequence[Key]): One key per sample, in batch order.
            buffers (dict): ``recorder name -> data_buffer`` (its list of records).
        """
        specs, leaves = {}, []
        for name in sorted(buffers):
            specs[name], items = flatten(list(buffers[name]))
            leaves.extend(items)
        if self.specs is None:
            self.specs = specs
        elif specs != self.specs:
            raise ValueError('teacher_cache: the teacher records changed structure between '
                             'batches; the cache needs the same outputs for every batch')
        for leaf in leaves:
            if leaf.dim() == 0 or leaf.shape[0] != len(keys):
                raise ValueError(f'teacher_cache: a recorded tensor of shape '
                                 f'{tuple(leaf.shape)} has no batch axis of size {len(keys)}')
        for i, key in enumerate(keys):
            if key in self:
                continue
            entry = [self._to_store(leaf[i]) for leaf in leaves]
            if self.store is not None:
                self.store.append(key, entry, specs)
            self._keep(key, entry)

    def _keep(self, key: Key, entry: List[torch.Tensor]) -> None:
        """Keep an entry in memory while the budget allows (always without a store)."""
        size = sum(t.numel() * t.element_size() for t in entry)
        if self.memory_used + size <= self.memory_bytes or self.store is None:
            self.memory[key] = entry
            self.memory_used += size

    def _to_store(self, tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.detach().to('cpu', copy=True)
        return tensor.to(self.dtype) if tensor.is_floating_point() else tensor

    # --- replaying -----------------------------------------------------------------------
    def get(self, keys: Sequence[Key], device) -> Optional[Dict[str, List[Any]]]:
        """``recorder name -> data_buffer`` of a batch, or None unless every key is stored."""
        if self.missing(keys) or self.specs is None:
            return None
        return self._replay(keys, device)

    def _replay(self, keys: Sequence[Key], device) -> Dict[str, List[Any]]:
        """The records of stored keys, stacked per recorder (read entries are kept in memory
        while the budget allows)."""
        entries = []
        for key in keys:
            entry = self.memory.get(key)
            if entry is None:
                entry = self.store.read(key)
                self._keep(key, entry)
            entries.append(entry)
        leaves = [
            torch.stack([e[j] for e in entries]).to(device, non_blocking=True)
            for j in range(len(entries[0]))
        ]
        return {name: unflatten(spec, leaves) for name, spec in self.specs.items()}
