"""Convert Seeing Through Fog (STF / DENSE) 2D labels to COCO json, one file per named split.

Each ``--split NAME=FILE[,FILE...]`` writes ``OUT_DIR/NAME.json``. The split files (relative
to ``DATA_ROOT`` unless absolute) list ``<recording>,<frame>`` or bare sample names. Image
entries point at ``<frame-dir>/<sample><ext>``, the image whose pixel frame the boxes are in,
and carry ``sample`` (the sample name) so other modalities can be found by name.

Layouts (the defaults each sets; every option can still be given):

* ``official`` (the STF release, with the gated slices in ``gated{0,1,2}_10bit``): labels
  ``gt_labels/gated_labels_TMP`` in the 1280x720 gated frame, frame dir ``gated0_10bit``.
  With ``--label-dir gt_labels/cam_left_labels_TMP`` the labels are in the RGB frame and the
  frame dir becomes ``cam_stereo_left_lut``.
* ``seed`` (the seed CMKD detector's packaged night subset: ``images/``, ``gated{0,1,2}/``,
  ``gated_labels/``, ``train_night.txt``): labels ``gated_labels`` in the 1280x720 gated frame,
  rescaled to the ``images/`` size (``--label-frame-size 1280 720``).

Boxes are clipped to the image (counted as ``clipped box``); boxes with no width or height
left are dropped (``degenerate box``). ``DontCare`` / ``Don't care region`` become ignore
regions (``iscrowd=1``). Every skipped sample or object is counted and reported at the end.

Example (the demo written by ``cmkd_mm.demo.make_stf_demo``)::

    python tools/dataset_converters/stf_to_coco.py data/stf_demo \
        --split train=splits/train_clear_night.txt,splits/light_fog_night.txt \
        --split val=splits/val_clear_night.txt \
        --split test=splits/test_clear_night.txt,splits/dense_fog_night.txt
"""
import argparse
import json
import os
import os.path as osp
from collections import Counter
from typing import List, Optional, Sequence, Tuple

from PIL import Image
from tqdm import tqdm

from cmkd_mm.datasets.stf_format import (CLASS_MAPS, IGNORE_CLASSES, STF_KNOWN_CLASSES,
                                         map_categories, parse_label_file, read_split)

LAYOUTS = dict(
    official=dict(
        label_dir='gt_labels/gated_labels_TMP',
        frame_dir='gated0_10bit',
        check_dirs=['cam_stereo_left_lut', 'gated0_10bit', 'gated1_10bit', 'gated2_10bit'],
        label_frame_size=None),
    seed=dict(
        label_dir='gated_labels',
        frame_dir='images',
        check_dirs=['images', 'gated0', 'gated1', 'gated2'],
        label_frame_size=(1280, 720)))
RGB_LABEL_DIR, RGB_FRAME_DIR = 'cam_left_labels_TMP', 'cam_stereo_left_lut'


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('data_root', help='dataset root folder')
    parser.add_argument('--out-dir', help='output folder (default: DATA_ROOT/annotations)')
    parser.add_argument(
        '--split', action='append', required=True, metavar='NAME=FILE[,FILE...]',
        help='a split to write as NAME.json from one or more split files (relative to '
        'DATA_ROOT or absolute); repeat for more splits')
    parser.add_argument('--layout', choices=sorted(LAYOUTS), default='official',
                        help='folder layout that sets the defaults below (default: official)')
    parser.add_argument('--classes', choices=sorted(CLASS_MAPS), default='seed',
                        help='class map: seed = pedestrian only (Pedestrian, '
                        'Pedestrian_is_group), full = the 4 main STF classes (default: seed)')
    parser.add_argument(
        '--label-dir',
        help='label folder (official: gt_labels/gated_labels_TMP; use gt_labels/'
        'cam_left_labels_TMP for boxes in the RGB frame, whose frame dir is then '
        'cam_stereo_left_lut unless --frame-dir is given; seed: gated_labels)')
    parser.add_argument(
        '--frame-dir',
        help='folder of the images whose pixel frame the boxes are in (file_name and size of '
        'the json images; official: gated0_10bit, or cam_stereo_left_lut for RGB labels; '
        'seed: images)')
    parser.add_argument(
        '--label-frame-size', type=int, nargs=2, metavar=('W', 'H'),
        help='size of the frame the labels were drawn in; boxes are scaled by (image_w / W, '
        'image_h / H) (official: none, seed: 1280 720)')
    parser.add_argument(
        '--check-dirs', nargs='*',
        help='folders that must hold <sample><ext> for every sample (official: '
        'cam_stereo_left_lut gated0_10bit gated1_10bit gated2_10bit; seed: images gated0 '
        'gated1 gated2); the frame dir is always checked; give no folder to check no other')
    parser.add_argument('--ext', default='.png', help='image file extension (default: .png)')
    parser.add_argument('--on-missing', choices=('error', 'skip'), default='error',
                        help='a sample with a missing label or image file (default: error)')
    parser.add_argument('--on-unknown', choices=('error', 'skip'), default='error',
                        help='an object whose class is neither an STF class nor in the class '
                        'map (default: error)')
    parser.add_argument('--num-columns', type=int, default=27,
                        help='columns of a label line with a one-word class (default: 27)')
    args = parser.parse_args(argv)

    layout = LAYOUTS[args.layout]
    if args.label_dir is None:
        args.label_dir = layout['label_dir']
    if args.frame_dir is None:
        rgb_labels = osp.basename(osp.normpath(args.label_dir)) == RGB_LABEL_DIR
        args.frame_dir = RGB_FRAME_DIR if rgb_labels else layout['frame_dir']
    if args.check_dirs is None:
        args.check_dirs = list(layout['check_dirs'])
    if args.label_frame_size is None and layout['label_frame_size'] is not None:
        args.label_frame_size = list(layout['label_frame_size'])
    if args.label_frame_size is not None and min(args.label_frame_size) <= 0:
        parser.error('--label-frame-size needs two positive numbers W H')
    args.out_dir = args.out_dir or osp.join(args.data_root, 'annotations')

    splits = {}
    for item in args.split:
        name, sep, files = item.partition('=')
        files = [f.strip() for f in files.split(',') if f.strip()]
        if not sep or not name.strip() or not files:
            parser.error(f'--split {item!r}: expected NAME=FILE[,FILE...]')
        if name.strip() in splits:
            parser.error(f'--split {name.strip()!r} given twice')
        splits[name.strip()] = files
    args.splits = splits
    return args


def _clip_box(box: List[float], width: int, height: int) -> Tuple[List[float], bool]:
    """Clip ``x1 y1 x2 y2`` to the image; also tell whether anything changed."""
    x1, y1, x2, y2 = box
    clipped = [min(max(x1, 0.0), width), min(max(y1, 0.0), height),
               min(max(x2, 0.0), width), min(max(y2, 0.0), height)]
    return clipped, clipped != [x1, y1, x2, y2]


def convert_split(args: argparse.Namespace, name: str, split_files: List[str]) -> dict:
    """Build the COCO dict of one named split."""
    class_map = CLASS_MAPS[args.classes]
    categories = map_categories(class_map)
    cat_ids = {c: i + 1 for i, c in enumerate(categories)}
    root = args.data_root

    samples, skipped_samples = {}, Counter()  # sample -> the split file listing it
    for split_file in split_files:
        path = split_file if osp.isabs(split_file) else osp.join(root, split_file)
        for sample in read_split(path):
            if sample in samples:
                skipped_samples['listed twice'] += 1
            else:
                samples[sample] = path

    images, annotations = [], []
    skipped_objects, clipped = Counter(), 0
    # The bar shows on a terminal only (disable=None), the summary is printed at the end.
    for sample, split_path in tqdm(samples.items(), desc=name, total=len(samples),
                                   unit='sample', disable=None):
        label_path = osp.join(root, args.label_dir, sample + '.txt')
        needed = [(args.label_dir, label_path)]
        for folder in dict.fromkeys([args.frame_dir] + list(args.check_dirs)):
            needed.append((folder, osp.join(root, folder, sample + args.ext)))
        missing = [(folder, path) for folder, path in needed if not osp.isfile(path)]
        if missing:
            if args.on_missing == 'skip':
                folder = missing[0][0]  # counted once, under its first missing file
                reason = 'label' if folder == args.label_dir else folder
                skipped_samples[f'missing {reason} file'] += 1
                continue
            raise FileNotFoundError(
                f'sample {sample} (listed in {split_path}): missing '
                f'{", ".join(p for _, p in missing)}. Fix the split file or data root, or drop '
                'such samples with --on-missing skip')

        frame_path = osp.join(root, args.frame_dir, sample + args.ext)
        with Image.open(frame_path) as img:
            width, height = img.size
        image_id = len(images) + 1
        images.append(dict(id=image_id, file_name=osp.join(args.frame_dir, sample + args.ext),
                           width=width, height=height, sample=sample))
        sx = sy = 1.0
        if args.label_frame_size is not None:
            sx, sy = width / args.label_frame_size[0], height / args.label_frame_size[1]

        objects, skipped = parse_label_file(label_path, class_map, args.num_columns,
                                            args.on_unknown, IGNORE_CLASSES, STF_KNOWN_CLASSES)
        skipped_objects.update(skipped)
        for obj in objects:
            x1, y1, x2, y2 = obj['bbox']
            box, was_clipped = _clip_box([x1 * sx, y1 * sy, x2 * sx, y2 * sy], width, height)
            w, h = box[2] - box[0], box[3] - box[1]
            if w <= 0 or h <= 0:
                skipped_objects['degenerate box'] += 1
                continue
            clipped += was_clipped
            annotations.append(
                dict(id=len(annotations) + 1, image_id=image_id,
                     category_id=1 if obj['ignore'] else cat_ids[obj['name']],
                     bbox=[box[0], box[1], w, h], area=w * h, iscrowd=int(obj['ignore'])))

    info = dict(
        description=f'Seeing Through Fog, split {name}', split_files=split_files,
        layout=args.layout, label_dir=args.label_dir, frame_dir=args.frame_dir,
        label_frame_size=args.label_frame_size, check_dirs=list(args.check_dirs),
        classes=args.classes, class_map=class_map,
        ignore_classes=list(IGNORE_CLASSES), skipped_samples=dict(skipped_samples),
        skipped_objects=dict(skipped_objects), clipped_boxes=clipped)
    return dict(info=info, images=images, annotations=annotations,
                categories=[dict(id=i, name=c) for c, i in cat_ids.items()])


def summary(name: str, coco: dict) -> str:
    """Counts of one converted split, with every skip and clip and its reason."""
    info = coco['info']
    names = {c['id']: c['name'] for c in coco['categories']}
    per_cat = Counter(names[a['category_id']] for a in coco['annotations'] if not a['iscrowd'])
    lines = [f'{name}: {len(coco["images"])} images, '
             f'{sum(per_cat.values())} annotations '
             f'({", ".join(f"{c}: {per_cat[c]}" for c in names.values())}), '
             f'{sum(a["iscrowd"] for a in coco["annotations"])} ignore regions']
    for reason, count in sorted(info['skipped_samples'].items()):
        lines.append(f'  skipped sample(s): {reason}: {count}')
    for reason, count in sorted(info['skipped_objects'].items()):
        lines.append(f'  skipped object(s): {reason}: {count}')
    if info['clipped_boxes']:
        lines.append(f'  clipped box (kept, clipped to the image): {info["clipped_boxes"]}')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    args = parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    outputs, reports = [], []
    for name, split_files in args.splits.items():
        coco = convert_split(args, name, split_files)
        out = osp.join(args.out_dir, f'{name}.json')
        with open(out, 'w') as f:
            json.dump(coco, f)
        outputs.append(out)
        reports.append(summary(name, coco) + f'\n  -> {out}')
    print('\n' + '\n'.join(reports))
    return outputs


if __name__ == '__main__':
    main()
