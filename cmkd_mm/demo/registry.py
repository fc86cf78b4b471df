"""Registry of the demo dataset generators, looked up by name (``DemoData(kind='mfnet')``).

A generator is a function ``(root, **options) -> root`` that writes its dataset under ``root`` in
the real on-disk format and keeps a complete one; its module registers it under the name recipes
use.
"""
from mmengine.registry import Registry

DEMO_DATASETS = Registry('demo dataset', locations=['cmkd_mm.demo'])
