# CMKD-Adv exactly as the original CMKD detector code builds it, for reproduction: the fixed-size
# discriminator heads (flatten + FC sized for a 500x833 input padded to 512x864; another input size
# fails) and a random conv1 for teacher and student instead of the COCO/inflated one.
#   P5 16x27:                         conv-ReLU-conv-ReLU, flatten 432 -> FC 108 -> FC 1
#   P4 32x54:  max-pool after conv2                                  -> 432
#   P3 64x108: max-pool after conv1 and conv2                        -> 432
#   P2 128x216: max-pool after conv1 and conv2                       -> 1728
_base_ = ['./cmkd-adv_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf.py']

original_heads = {
    0: dict(maxpool_after=(True, True), flatten_dim=1728),
    1: dict(maxpool_after=(True, True), flatten_dim=432),
    2: dict(maxpool_after=(False, True), flatten_dim=432),
    3: dict(maxpool_after=(False, False), flatten_dim=432),
}
random_conv1 = dict(
    type='InflatedPretrained',
    checkpoint=_base_.coco_detector_ckpt,
    inflate='random',
    reset=('backbone.conv1.', ))
model = dict(
    architecture=dict(init_cfg=random_conv1),
    teacher=dict(init_cfg=random_conv1),
    distiller=dict(
        distill_losses={
            f'loss_adv_p{lvl + 2}':
            dict(
                discriminator=dict(
                    type='FeatureDiscriminator',
                    in_channels=256,
                    channels=128,
                    pool_size=None,
                    fc_channels=108,
                    dropout=0.5,
                    **head))
            for lvl, head in original_heads.items()
        }))
