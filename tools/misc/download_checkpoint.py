"""Download a checkpoint of the model zoo by model name (or URL), verified by its sha256.

The file goes to the checkpoint cache (``$CMKD_CHECKPOINT_DIR``, default the torch hub
``checkpoints`` directory) and, with ``--dest``, is copied there too. ``$CMKD_MIRROR`` (a
directory or base URL holding the files by name) serves clusters without internet.
``--list`` prints every model of the model index with its config and whether weights exist.

Examples::

    python tools/misc/download_checkpoint.py --list
    python tools/misc/download_checkpoint.py cmkd-adv_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf \\
        --dest checkpoints/
    CMKD_MIRROR=/shared/zoo python tools/misc/download_checkpoint.py NAME
"""
import argparse
import os
import os.path as osp
import shutil

from cmkd_mm.zoo import fetch_checkpoint, model_entries, resolve_weights


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('name', nargs='?', help='model name of the model index, or a URL')
    parser.add_argument('--dest', default=None, help='also copy the file into this directory')
    parser.add_argument('--list', action='store_true', help='list the models of the zoo')
    args = parser.parse_args(argv)
    if not args.list and not args.name:
        parser.error('give a model name (or --list)')
    return args


def list_models() -> str:
    lines = ['| model | config | weights |', '|---|---|---|']
    for name, entry in sorted(model_entries().items()):
        lines.append(f'| {name} | {entry["config"]} | '
                     f'{entry["weights"] or "not released yet"} |')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        table = list_models()
        print(table)
        return table
    url = args.name if '://' in args.name else resolve_weights(args.name)
    path = fetch_checkpoint(url)
    if args.dest:
        os.makedirs(args.dest, exist_ok=True)
        target = osp.join(args.dest, osp.basename(path))
        shutil.copyfile(path, target)
        path = target
    print(path)
    return path


if __name__ == '__main__':
    main()
