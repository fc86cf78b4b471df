# SAR + EO ship chips in class folders of their own names, one tree per split and modality;
# the same file name in both trees is one ship:
#   data/ships/{train,val,test}/sar/{cargo,fishing,tanker}/<id>.png   8-bit grey (dB-scaled)
#   data/ships/{train,val,test}/eo/{cargo,fishing,tanker}/<id>.png    8-bit colour
# The teacher sees both; the deployed model sees only the SAR, which images through clouds and
# at night.
# The pair, declared once: every modality field of the method configs derives from these names.
modalities = dict(sar=dict(num_channels=1, bit_depth=8), eo=dict(num_channels=3, bit_depth=8))
teacher_modalities = ['sar', 'eo']
student_modalities = ['sar']
modality_stats = 'auto'  # measured on the training set before the first iteration
classes = ('cargo', 'fishing', 'tanker')  # the class folders; label i is classes[i]

data_root = 'data/ships/'
dataset_type = 'PairedImageFolder'
input_size = (48, 48)  # (w, h): both chips at one size, the teacher stacks them
train_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities'),
    dict(type='MultiModalResize', scale=input_size),
    dict(type='MultiModalRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackMultiModalInputs', packer=dict(type='mmpretrain.PackInputs')),
]
test_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities'),
    dict(type='MultiModalResize', scale=input_size),
    dict(type='PackMultiModalInputs', packer=dict(type='mmpretrain.PackInputs')),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=dict(sar='train/sar', eo='train/eo'),
        metainfo=dict(classes=classes),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=dict(sar='val/sar', eo='val/eo'),
        metainfo=dict(classes=classes),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=dict(sar='test/sar', eo='test/eo'),
        metainfo=dict(classes=classes),
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, ))  # top-1 accuracy (%)
test_evaluator = val_evaluator
