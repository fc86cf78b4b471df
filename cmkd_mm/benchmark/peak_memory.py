"""Peak memory of a block of code: CUDA allocator peak, or the resident set size on CPU."""
import ctypes
import gc
import os
import threading
from typing import Optional

import torch


def _rss_reader():
    """A function returning the resident set size in bytes, and its source's name."""
    try:
        import psutil
        process = psutil.Process()
        return (lambda: process.memory_info().rss), 'psutil'
    except ImportError:
        page = os.sysconf('SC_PAGE_SIZE')

        def read_statm() -> int:
            with open('/proc/self/statm') as f:
                return int(f.read().split()[1]) * page

        return read_statm, '/proc/self/statm'


def _malloc_trim() -> None:
    """Give freed heap memory back to the OS (glibc only), so a row starts from a lower RSS."""
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass


class RSSPeak:
    """Peak increase of the resident set size over the start, sampled by a thread.

    Args:
        interval (float): Seconds between samples.
    """

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.read, self.source = _rss_reader()
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.read())

    def __enter__(self) -> 'RSSPeak':
        gc.collect()
        _malloc_trim()
        self.start = self.peak = self.read()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.read())

    @property
    def peak_mb(self) -> float:
        return (self.peak - self.start) / 2**20

    @property
    def description(self) -> str:
        return (f'peak RSS increase over the row start, sampled every '
                f'{self.interval * 1e3:g} ms from {self.source} (approximate)')


class CudaPeak:
    """``torch.cuda.max_memory_allocated`` over the block (statistics reset at its start)."""

    description = 'torch.cuda.max_memory_allocated, only the row\'s model on the GPU'

    def __enter__(self) -> 'CudaPeak':
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        return self

    def __exit__(self, *exc) -> None:
        torch.cuda.synchronize()
        self.peak_mb = torch.cuda.max_memory_allocated() / 2**20
