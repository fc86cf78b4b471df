# NJUST-KMG (PBVS 2024 MAVOC, SAR classification + OOD) networks: one encoder type for the EO
# and the SAR models of every stage, a linear 10-class head with the softmax focal loss and
# logits kept at test time (LogitClsHead, for the energy score). The focal loss is the NJUST-KMG
# code's FocalLoss: gamma 0.5, no class weights, (1 - p_t)^gamma treated as a constant in the
# backward pass (detach_focal_weight).
#
# encoder_name picks the encoder of all stages:
#
# * 'resnet18-narrow' (default): mmpretrain ResNet-18 with 16 base channels (128-d GAP feature),
#   random initialisation. Trains on CPU at the NJUST-KMG code's 224 x 224 input. Its learning rates
#   (1e-6) are for fine-tuning CLIP; a network trained from scratch needs larger ones, so this
#   encoder uses Adam 1e-3 in every stage.
# * 'clip-vit-b32': the NJUST-KMG code's encoder, OpenAI CLIP ViT-B/32's image tower (pre-norm
#   ViT-B, patch 32, QuickGELU, final LayerNorm on the class token, then the 768 -> 512 projection),
#   as mmpretrain's VisionTransformer + an EmbeddingProjection neck (mmpretrain's CLIPProjection
#   without its transformers dependency), with the NJUST-KMG code's learning rates.
#   The weights are read from clip_checkpoint, a local file (nothing is downloaded): the OpenAI
#   state dict converted by mmpretrain's
#   tools/model_converters/openai-clip_to_mmpretrain-clip.py (keys 'visual.*' and
#   'visual_proj.proj'). The OpenAI release is a TorchScript archive: save
#   torch.jit.load('ViT-B-32.pt', map_location='cpu').state_dict() with torch.save first, then
#   convert that file.
encoder_name = 'resnet18-narrow'
clip_checkpoint = 'checkpoints/clip-vit-base-p32_openai_mmpretrain.pth'

encoders = {
    'resnet18-narrow':
    dict(
        backbone=dict(
            type='ResNet',
            depth=18,
            stem_channels=16,
            base_channels=16,
            out_indices=(3, ),
            style='pytorch'),
        neck=dict(type='GlobalAveragePooling'),
        feat_dim=128,
        num_stages=4,  # frozen_stages that freezes the whole backbone
        lr=dict(stage1=1e-3, stage2=1e-3, stage3=1e-3)),
    'clip-vit-b32':
    dict(
        backbone=dict(
            type='VisionTransformer',
            arch='b',
            img_size=224,
            patch_size=32,
            pre_norm=True,
            final_norm=True,
            out_type='cls_token',
            norm_cfg=dict(type='LN', eps=1e-5),  # torch's default, as in OpenAI CLIP
            layer_cfgs=dict(act_cfg=dict(type='mmpretrain.QuickGELU')),
            init_cfg=dict(type='Pretrained', checkpoint=clip_checkpoint, prefix='visual.')),
        neck=dict(
            type='EmbeddingProjection',
            in_channels=768,
            out_channels=512,
            init_cfg=dict(type='Pretrained', checkpoint=clip_checkpoint, prefix='visual_proj.')),
        feat_dim=512,
        num_stages=12,
        lr=dict(stage1=1e-6, stage2=1e-6, stage3=1e-4)),
}
encoder = encoders[encoder_name]

classifier = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=encoder['backbone'],
    neck=encoder['neck'],
    head=dict(
        type='LogitClsHead',
        num_classes=10,
        in_channels=encoder['feat_dim'],
        loss=dict(type='SoftmaxFocalLoss', gamma=0.5, detach_focal_weight=True, loss_weight=1.0),
        topk=(1, )))
cls_preprocessor = dict(type='mmpretrain.ClsDataPreprocessor')
