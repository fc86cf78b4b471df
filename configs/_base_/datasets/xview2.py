# xView2 / xBD building damage: pre- and post-disaster 1024x1024 RGB tiles of
# <split>/images/<disaster>_<id>_{pre,post}_disaster.png with WKT building polygons in
# <split>/labels/*.json (docs/xview2.md). The two "modalities" are the pre and the post image.
# Targets are rasterised from the JSON on the fly, or read from <split>/masks/ when
# tools/dataset_converters/xview2_masks.py wrote them (identical maps, faster).
# gt_loc_map: building = 1 (pre label); gt_dmg_map: 1-4 no/minor/major damage, destroyed
# (post label; un-classified counts as no-damage, LoadXView2Masks(unclassified='ignore') drops
# it). The xView2 KD code trains on train + tier3 with a 90/10 random split for validation
# (holdout).
dataset_type = 'XView2Dataset'
data_root = 'data/xview2/'
tile_size = (1024, 1024)
crop_size = 512
modalities = dict(pre=dict(num_channels=3, bit_depth=8), post=dict(num_channels=3, bit_depth=8))
_load = [
    dict(type='LoadModalities', modalities=modalities, same_size=True),
    dict(type='LoadXView2Masks'),
]
_pack = dict(
    type='PackMultiModalInputs',
    packer=dict(type='mmseg.PackSegInputs'),
    extra_seg_fields=dict(gt_loc_map='gt_loc', gt_dmg_map='gt_dmg'))
# The original code's rare photometric changes, per image (each modality draws its own).
_photometric = dict(
    type='ApplyToModalities',
    modalities=['pre', 'post'],
    transforms=[
        dict(type='RandomApply', transforms=[dict(type='mmseg.PhotoMetricDistortion')], prob=0.03),
        dict(type='RandomApply', transforms=[dict(type='mmseg.CLAHE')], prob=0.01),
    ])
# Localisation (train_teacher_building): flips, rot90, shift, rotate/scale, the crop with the
# most buildings of 1-5 tries, photometric, and with p 0.015 the post image instead of the pre.
loc_train_pipeline = _load + [
    dict(type='ReplaceModality', src='post', dst='pre', prob=0.015),
    dict(type='MultiModalRandomFlip', prob=0.5, direction='vertical'),
    dict(type='MultiModalRandomRot90', prob=0.95),
    dict(type='MultiModalShiftScaleRotate', shift=320, prob=0.1, border='reflect101'),
    dict(
        type='MultiModalShiftScaleRotate',
        angle=10,
        scale_range=(0.9, 1.1),
        center_jitter=320,
        prob=0.1,
        border='reflect101'),
    dict(
        type='XView2ContentCrop',
        crop_size=crop_size,
        scale_range=(1 / 1.1, 1 / 0.9),
        prob=0.7,
        tries=(1, 5),
        score='loc'),
    _photometric,
    dict(type='XView2Targets', task='loc'),
    _pack,
]
# Damage (train_teacher): stronger geometry, the crop chosen by 5 minor + 5 major + 2 destroyed
# + 1 no-damage pixels, targets dilated 5x5 with minor > major > destroyed > no-damage.
damage_train_pipeline = _load + [
    dict(type='MultiModalRandomFlip', prob=0.5, direction='vertical'),
    dict(type='MultiModalRandomRot90', prob=0.95),
    dict(type='MultiModalShiftScaleRotate', shift=320, prob=0.2, border='reflect101'),
    dict(
        type='MultiModalShiftScaleRotate',
        angle=10,
        scale_range=(0.9, 1.1),
        center_jitter=320,
        prob=0.8,
        border='reflect101'),
    dict(
        type='XView2ContentCrop',
        crop_size=crop_size,
        scale_range=(1 / 1.15, 1 / 0.85),
        prob=0.9,
        tries=(1, 5),
        score='damage'),
    _photometric,
    dict(type='XView2Targets', task='damage', dilate=5),
    _pack,
]
# Whole tiles, no resizing: predictions and targets at 1024x1024, as the official scorer needs.
loc_test_pipeline = _load + [dict(type='XView2Targets', task='loc'), _pack]
damage_test_pipeline = _load + [dict(type='XView2Targets', task='damage'), _pack]
_holdout = dict(fraction=0.1, seed=0)
loc_train_dataloader = dict(
    batch_size=15,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        splits=('train', 'tier3'),
        holdout=dict(_holdout, part='train'),
        expect_size=tile_size,
        pipeline=loc_train_pipeline))
loc_val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        splits=('train', 'tier3'),
        holdout=dict(_holdout, part='val'),
        expect_size=tile_size,
        pipeline=loc_test_pipeline))
loc_test_dataloader = dict(
    loc_val_dataloader,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        splits=('test', ),
        expect_size=tile_size,
        pipeline=loc_test_pipeline))
damage_train_dataloader = dict(
    loc_train_dataloader,
    batch_size=8,
    dataset=dict(loc_train_dataloader['dataset'], oversample=True, pipeline=damage_train_pipeline))
damage_val_dataloader = dict(
    loc_val_dataloader, dataset=dict(loc_val_dataloader['dataset'], pipeline=damage_test_pipeline))
damage_test_dataloader = dict(
    loc_test_dataloader,
    dataset=dict(loc_test_dataloader['dataset'], pipeline=damage_test_pipeline))
# Localisation: F1 / IoU of building pixels. Damage: the official xView2 score
# (0.3 F1_loc + 0.7 harmonic mean of the 4 damage F1s), localisation from the damage model.
# Submission PNGs: --cfg-options test_evaluator.submission_dir=work_dirs/NAME/submission
loc_evaluator = dict(type='XView2Metric', task='loc')
damage_evaluator = dict(type='XView2Metric', task='damage')
