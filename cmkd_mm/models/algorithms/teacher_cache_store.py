"""The on-disk part of the teacher-output cache: one store that every process of a run (every
rank, on every node sharing the file system) and every later run of the same teacher writes to
and reads from.

Each writing process appends to its own shard, two files named ``rank<r>-<random>``:
``.bin`` holds the tensors' bytes, ``.idx`` one record per entry (its key and where its tensors
lie). A record is written after the bytes it points to, as one length-prefixed, checksummed
block, so a reader never takes a torn entry: it reads every shard's index up to the last whole
record and merges them (:meth:`ShardedStore.refresh`), picking the rest up later. No file has two
writers, so concurrent ranks and runs need no lock, and a process that dies leaves its entries
(up to its last whole record) for the next run.
"""
import glob
import json
import os
import os.path as osp
import struct
import uuid
import zlib
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

# payload bytes, crc32 of the payload
RECORD = struct.Struct('<QI')
Placed = List[Tuple[int, Tuple[int, ...], str]]  # (offset, shape, numpy dtype) per tensor


def as_tuples(value: Any) -> Any:
    """JSON lists back to the tuples keys and structures are made of."""
    if isinstance(value, list):
        return tuple(as_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: as_tuples(v) for k, v in value.items()}
    return value


def placed_bytes(placed: Placed) -> int:
    """Bytes of one stored entry."""
    return sum(int(np.prod(shape)) * np.dtype(dtype).itemsize for _, shape, dtype in placed)


class ShardedStore:
    """Entries of one teacher (one fingerprint) in a directory shared by all its writers.

    Args:
        directory (str): The store's directory (created if missing).
        rank (int): This process's rank, in the name of the shard it writes.
    """

    def __init__(self, directory: str, rank: int = 0) -> None:
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.shard = f'rank{rank}-{uuid.uuid4().hex[:8]}'
        self.index: Dict[Tuple, Tuple[str, Placed]] = {}
        self.specs: Optional[Dict[str, Any]] = None
        self._parsed: Dict[str, int] = {}  # shard -> bytes of its index merged so far
        self._maps: Dict[str, np.memmap] = {}
        self._data = self._records = None
        self.refresh()

    def path(self, shard: str, suffix: str) -> str:
        return osp.join(self.directory, shard + suffix)

    def __contains__(self, key) -> bool:
        return key in self.index

    def __len__(self) -> int:
        return len(self.index)

    def shards(self) -> List[str]:
        """Every shard that has written an index, this process's included."""
        return sorted(osp.basename(p)[:-4] for p in glob.glob(self.path('*', '.idx')))

    def entry_bytes(self, key) -> int:
        """Bytes of a stored entry."""
        return placed_bytes(self.index[key][1])

    # --- merging what every writer has appended ------------------------------------------
    def refresh(self) -> int:
        """Merge the whole records the other shards appended since the last call.

        Returns:
            int: The number of entries new to this process.
        """
        added = 0
        for shard in self.shards():
            if shard == self.shard:
                continue
            path = self.path(shard, '.idx')
            start = self._parsed.get(shard, 0)
            if os.path.getsize(path) <= start:
                continue
            with open(path, 'rb') as f:
                f.seek(start)
                block = f.read()
            used = 0
            while used + RECORD.size <= len(block):
                length, crc = RECORD.unpack_from(block, used)
                end = used + RECORD.size + length
                payload = block[used + RECORD.size:end]
                if end > len(block) or zlib.crc32(payload) != crc:
                    break  # still being written (or its writer died mid-record)
                added += self._merge(shard, json.loads(payload))
                used = end
            self._parsed[shard] = start + used
        return added

    def _merge(self, shard: str, record: list) -> int:
        if record[0] == 'specs':
            self.set_specs(as_tuples(record[1]), f'{self.path(shard, ".idx")}')
            return 0
        key = as_tuples(record[1])
        if key in self.index:
            return 0  # computed twice (two ranks missed at once): the first one is kept
        self.index[key] = (shard, [(o, tuple(s), d) for o, s, d in record[2]])
        return 1

    def set_specs(self, specs: Dict[str, Any], where: str) -> None:
        """Record the structure of the teacher records, refusing another one."""
        if self.specs is None:
            self.specs = specs
        elif specs != self.specs:
            raise ValueError(f'teacher_cache: {where} holds teacher records of another '
                             f'structure than the rest of {self.directory}; delete that '
                             'directory to start the store again')

    # --- writing this process's shard ----------------------------------------------------
    def _write(self, record: list) -> None:
        payload = json.dumps(record).encode()
        self._records.write(RECORD.pack(len(payload), zlib.crc32(payload)) + payload)
        self._records.flush()

    def append(self, key, tensors: List[torch.Tensor], specs: Dict[str, Any]) -> None:
        """Store one entry: its tensors' bytes first, then its index record.

        Args:
            key (tuple): The entry's key (JSON-able: ints, bools, strings, None, tuples).
            tensors (list[torch.Tensor]): Its tensors (CPU).
            specs (dict): The structure of the records the tensors come from.
        """
        if self._records is None:
            self._data = open(self.path(self.shard, '.bin'), 'ab')
            self._records = open(self.path(self.shard, '.idx'), 'ab')
            self._write(['specs', specs])
        self.set_specs(specs, 'this run')
        placed = []
        for tensor in tensors:
            array = tensor.contiguous().numpy()
            placed.append((self._data.tell(), tuple(array.shape), array.dtype.str))
            self._data.write(array.tobytes())
        self._data.flush()
        self._write(['entry', key, placed])
        self.index[key] = (self.shard, placed)

    def close(self) -> None:
        """Close this process's shard files (what they hold stays readable)."""
        for f in (self._data, self._records):
            if f is not None:
                f.close()
        self._data = self._records = None
        self._maps = {}

    # --- reading -------------------------------------------------------------------------
    def read(self, key) -> List[torch.Tensor]:
        """The tensors of a stored entry (copied out of the memory map)."""
        shard, placed = self.index[key]
        end = max(o + int(np.prod(s)) * np.dtype(d).itemsize for o, s, d in placed)
        view = self._maps.get(shard)
        if view is None or len(view) < end:
            view = self._maps[shard] = np.memmap(self.path(shard, '.bin'), dtype=np.uint8, mode='r')
        out = []
        for offset, shape, dtype in placed:
            count = int(np.prod(shape)) * np.dtype(dtype).itemsize
            array = view[offset:offset + count].view(dtype).reshape(shape)
            out.append(torch.from_numpy(np.array(array)))
        return out
