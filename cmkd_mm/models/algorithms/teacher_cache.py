"""A store of the frozen teacher's recorded outputs, per sample, in memory and then on disk.

``CrossModalDistill(teacher_cache=dict(...))`` keeps what the distiller's teacher recorders
captured for every training sample, keyed by :func:`sample_key`: the sample's dataset index,
the flip the pipeline applied (the random transform the key describes) and the padded shape of
the teacher's input. A batch whose samples are all stored replays the recorders from the store
and skips the teacher; any other batch runs the teacher and stores what is missing
(:meth:`TeacherOutputCache.record`).

A record is whatever the recorder holds (a tensor, or tuples / lists of them, one record per
call): every tensor must have the batch as its first axis, and is stored per sample. Entries stay
in memory up to ``memory_bytes``, then go to one append-only file on disk, read back through a
memory map. ``dtype='float16'`` halves the bytes of floating-point tensors (the error this adds is
measured in ``docs/performance.md``). :meth:`TeacherOutputCache.save` writes everything to disk
with an index so that a resumed run (``TeacherCacheHook``) continues with the same store.
"""
import os
import os.path as osp
import pickle
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

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
        return ('tensor', record.dtype), [record]
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
        return leaves.pop(0).to(inner)
    if kind == 'none':
        return None
    items = [unflatten(s, leaves) for s in inner]
    return tuple(items) if kind == 'tuple' else items


class TeacherOutputCache:
    """Per-sample teacher records in memory (up to a byte budget), then on disk.

    Args:
        memory_bytes (int): Bytes of entries kept in memory; later entries go to disk.
            Defaults to 2 GiB.
        dtype (str): ``'float32'`` (exact) or ``'float16'`` (half the bytes) for floating
            tensors. Defaults to ``'float32'``.
        directory (str, optional): Where the disk part lives; ``TeacherCacheHook`` sets it to
            ``<work_dir>/teacher_cache/rank<r>``.
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
        self._reset()

    def clear(self) -> None:
        """Forget every entry and delete the disk part."""
        self._reset()
        for path in (self.data_file, self.index_file) if self.directory else ():
            if osp.isfile(path):
                os.remove(path)

    def _reset(self) -> None:
        self.memory: Dict[Key, List[torch.Tensor]] = {}
        self.disk: Dict[Key, List[Tuple[int, Tuple[int, ...], str]]] = {}
        self.specs: Optional[Dict[str, Any]] = None
        self.memory_used = 0
        self.hits = self.misses = 0
        self._map = None

    @property
    def data_file(self) -> str:
        return osp.join(self.directory, 'entries.bin')

    @property
    def index_file(self) -> str:
        return osp.join(self.directory, 'index.pkl')

    def __len__(self) -> int:
        return len(set(self.memory) | set(self.disk))

    def __contains__(self, key: Key) -> bool:
        return key in self.memory or key in self.disk

    def bytes_per_sample(self) -> float:
        """Mean stored bytes of one sample."""
        sizes = [sum(t.numel() * t.element_size() for t in v) for v in self.memory.values()]
        sizes += [
            sum(int(np.prod(s)) * np.dtype(d).itemsize for _, s, d in v)
            for k, v in self.disk.items() if k not in self.memory
        ]
        return float(np.mean(sizes)) if sizes else 0.

    # --- recording a batch ----------------------------------------------------------------
    def record(self, recorders: Dict[str, Any], data_samples: Sequence,
               teacher_inputs: Sequence[torch.Tensor], run: Callable[[], dict]) -> dict:
        """Fill the teacher recorders for a batch: replayed from the store when every sample of
        the batch is stored, else by ``run()``, whose records are then stored.

        Args:
            recorders (dict): ``name -> recorder``, the distiller's teacher recorders (entered,
                so empty).
            data_samples (Sequence): The batch's data samples (their keys: :func:`sample_key`).
            teacher_inputs (Sequence[torch.Tensor]): The batch of each view the teachers read
                (their shapes are part of the keys).
            run (callable): Runs the teacher(s) into the recorders and returns their losses.

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
        replay = self.get(keys, teacher_inputs[0].device)
        if replay is not None:
            for name, buffer in replay.items():
                recorders[name].reset_data_buffer()
                recorders[name].data_buffer.extend(buffer)
            return {}
        losses = run()
        self.put(keys, {name: r.data_buffer for name, r in recorders.items()})
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
            size = sum(t.numel() * t.element_size() for t in entry)
            if self.memory_used + size <= self.memory_bytes or not self.directory:
                self.memory[key] = entry
                self.memory_used += size
            else:
                self.disk[key] = self._append(entry)

    def _to_store(self, tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.detach().to('cpu', copy=True)
        return tensor.to(self.dtype) if tensor.is_floating_point() else tensor

    def _append(self, entry: List[torch.Tensor]) -> List[Tuple[int, Tuple[int, ...], str]]:
        os.makedirs(self.directory, exist_ok=True)
        placed = []
        with open(self.data_file, 'ab') as f:
            for tensor in entry:
                array = tensor.contiguous().numpy()
                placed.append((f.tell(), tuple(array.shape), array.dtype.str))
                f.write(array.tobytes())
        return placed

    # --- replaying -----------------------------------------------------------------------
    def get(self, keys: Sequence[Key], device) -> Optional[Dict[str, List[Any]]]:
        """``recorder name -> data_buffer`` of a batch, or None unless every key is stored."""
        if self.specs is None or not all(k in self for k in keys):
            self.misses += 1
            return None
        self.hits += 1
        entries = [self.memory[k] if k in self.memory else self._read(self.disk[k]) for k in keys]
        leaves = [
            torch.stack([e[j] for e in entries]).to(device, non_blocking=True)
            for j in range(len(entries[0]))
        ]
        return {name: unflatten(spec, leaves) for name, spec in self.specs.items()}

    def _read(self, placed) -> List[torch.Tensor]:
        end = max(o + int(np.prod(s)) * np.dtype(d).itemsize for o, s, d in placed)
        if self._map is None or len(self._map) < end:
            self._map = np.memmap(self.data_file, dtype=np.uint8, mode='r')
        out = []
        for offset, shape, dtype in placed:
            count = int(np.prod(shape)) * np.dtype(dtype).itemsize
            array = self._map[offset:offset + count].view(dtype).reshape(shape)
            out.append(torch.from_numpy(np.array(array)))
        return out

    # --- persistence ---------------------------------------------------------------------
    def save(self, fingerprint: str) -> None:
        """Write every entry to disk (memory entries stay in memory too) and the index."""
        if not self.directory:
            raise RuntimeError('teacher_cache has no directory (TeacherCacheHook sets it)')
        for key, entry in self.memory.items():
            if key not in self.disk:
                self.disk[key] = self._append(entry)
        with open(self.index_file + '.tmp', 'wb') as f:
            pickle.dump(
                dict(
                    fingerprint=fingerprint,
                    specs=self.specs,
                    disk=self.disk,
                    dtype=str(self.dtype)), f)
        os.replace(self.index_file + '.tmp', self.index_file)

    def load(self, fingerprint: str) -> bool:
        """Read a saved index; True when it exists and has the same ``fingerprint``."""
        if not (self.directory and osp.isfile(self.index_file)):
            return False
        with open(self.index_file, 'rb') as f:
            saved = pickle.load(f)
        if saved.get('fingerprint') != fingerprint or saved.get('dtype') != str(self.dtype):
            return False
        self.memory, self.memory_used = {}, 0
        self.disk, self.specs, self._map = saved['disk'], saved['specs'], None
        return True
