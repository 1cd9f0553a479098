# MiGA 2023 track 1 (HFUT-VUT), joint stream: PoseC3D SlowOnly-R50 on 22-joint
# keypoint heatmaps, trained with CE + 20 * MSE(emb_fc(f), class GloVe vector).
# Mirrors the official configs/posec3d/slowonly_r50_imigue_2dkp_emb20/joint.py.
_base_ = '../_base_/default_runtime.py'

# what the model takes (inference reads it: docs/inference.md)
model_input = dict(kind='heatmaps', layout='imigue', score=True)

model = dict(
    type='Recognizer3D',
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           format_shape='NCTHW'),
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        in_channels=22,
        base_channels=32,
        num_stages=3,
        out_indices=(2, ),
        stage_blocks=(4, 6, 3),
        conv1_stride_s=1,
        pool1_stride_s=1,
        inflate=(0, 1, 1),
        spatial_strides=(2, 2, 2),
        temporal_strides=(1, 1, 2),
        dilations=(1, 1, 1)),
    cls_head=dict(
        type='I3DEmbHead',
        in_channels=512,
        num_classes=32,
        dropout_ratio=0.5,
        class_vectors='data/imigue/Vectors.npy',
        emb_channels=300,
        emb_loss_weight=20.0,
        average_clips='prob'))

dataset_type = 'CheckedPoseDataset'
data_root = 'data/imigue/'
# Official flip lists (COCO-style odd/even pairs; they do not mirror the
# 22-joint skeleton, see README). mmaction2_ext.datasets.layouts
# also has the topology-correct IMIGUE_MIRRORED lists.
left_kp = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=1),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, 64)),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True,
         with_limb=False),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True,
         with_limb=False),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True,
         with_limb=False, double=True, left_kp=left_kp, right_kp=right_kp),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=data_root + 'imigue_train.pkl',
                 layout='imigue', split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=data_root + 'imigue_val.pkl',
                 layout='imigue', split='val', pipeline=val_pipeline,
                 test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=data_root + 'imigue_test.pkl',
                 layout='imigue', split='test', pipeline=test_pipeline,
                 labels_hidden=True,  # challenge test labels are dummies
                 test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=100, by_epoch=True,
         convert_to_iter_based=True)
]
# Upstream: lr 0.4 / 6 for 2 GPUs x 16 videos, no gradient clipping.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.4 / 6, momentum=0.9, weight_decay=3e-4))

default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', interval=1,
                    save_best='acc/top1', rule='greater'))
randomness = dict(seed=2023)
auto_scale_lr = dict(enable=False, base_batch_size=32)
