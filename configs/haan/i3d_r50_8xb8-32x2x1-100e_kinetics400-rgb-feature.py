# Clip features for HAAN from raw videos (tools/data/extract_features.py):
# mmaction2's I3D ResNet-50 (i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_
# kinetics400-rgb, the model of its _base_/models/i3d_r50.py) with its
# released Kinetics-400 weights; the 2048-d feature is the backbone output
# averaged over time and space. Clips follow HAAN's FineGym features: videos
# resampled to 24 fps, 16-frame clips, stride 16 (sec2clip_ratio 1.5).
default_scope = 'mmaction'
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3d',
        pretrained2d=False,
        pretrained=None,
        depth=50,
        conv1_kernel=(5, 7, 7),
        conv1_stride_t=2,
        pool1_stride_t=2,
        conv_cfg=dict(type='Conv3d'),
        norm_eval=False,
        inflate=((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0)),
        zero_init_residual=False),
    cls_head=dict(type='I3DHead', num_classes=400, in_channels=2048,
                  spatial_type='avg', dropout_ratio=0.5, init_std=0.01,
                  average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375],
                           format_shape='NCTHW'))
load_from = ('https://download.openmmlab.com/mmaction/v1.0/recognition/i3d/'
             'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb/'
             'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb_'
             '20220812-e213c223.pth')
feature = dict(fps=24, clip_len=16, stride=16, short_side=256, crop_size=224)
