# The procedural demo dataset in the MFNet layout (written by the demo recipes or
# `python -c "from cmkd_mm.demo import make_mfnet_demo; make_mfnet_demo('data/demo/mfnet')"`).
_base_ = ['./mfnet.py']
data_root = 'data/demo/mfnet/'
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
