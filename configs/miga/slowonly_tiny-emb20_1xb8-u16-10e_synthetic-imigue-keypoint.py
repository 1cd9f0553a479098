# A tiny PoseC3D joint model with the embedding loss on synthetic 22-joint
# gestures: learns in a couple of CPU minutes (the CPU learning test). Data:
#   python tools/data/make_synthetic.py skeleton --layout imigue \
#       --num-classes 4 --samples-per-class 16 4 4
#   python tools/data/imigue/class_vectors.py random --num-classes 4 \
#       --out data/synthetic/skeleton/imigue_class_vectors.npy
# Val/test pipelines as the full joint config at 16 frames and 32 px; training
# uses the val geometry (no crop, no Flip: the synthetic motions are ~7 px at
# this size and the official flip lists scramble joints). A 3x3 stem, temporal
# convs from stage 1 and AdamW so it converges in ~80 steps.
_base_ = '../_base_/default_runtime.py'

num_classes = 4
# what the model takes (inference reads it: docs/inference.md)
model_input = dict(kind='heatmaps', layout='imigue', score=True)

model = dict(
    type='Recognizer3D',
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           format_shape='NCTHW'),
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=18,
        pretrained=None,
        in_channels=22,
        base_channels=8,
        conv1_kernel=(1, 3, 3),
        num_stages=3,
        out_indices=(2, ),
        stage_blocks=(1, 1, 1),
        conv1_stride_s=1,
        pool1_stride_s=1,
        inflate=(1, 1, 1),
        spatial_strides=(2, 2, 2),
        temporal_strides=(1, 1, 2),
        dilations=(1, 1, 1)),
    cls_head=dict(
        type='I3DEmbHead',
        in_channels=32,
        num_classes=num_classes,
        dropout_ratio=0.5,
        class_vectors='data/synthetic/skeleton/imigue_class_vectors.npy',
        emb_channels=300,
        emb_loss_weight=20.0,
        average_clips='prob'))

dataset_type = 'CheckedPoseDataset'
data_root = 'data/synthetic/skeleton/'
ann_file = data_root + 'imigue_synthetic.pkl'
left_kp = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=16, num_clips=1),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True,
         with_limb=False),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=16, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True,
         with_limb=False),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=16, num_clips=2,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True, with_kp=True,
         with_limb=False, double=True, left_kp=left_kp, right_kp=right_kp),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='train',
                 layout='imigue', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='val',
                 layout='imigue', pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='test',
                 layout='imigue', pipeline=test_pipeline, test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_begin=1,
                 val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=10, by_epoch=True,
         convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=3e-3, weight_decay=1e-4))
default_hooks = dict(
    logger=dict(interval=2),
    checkpoint=dict(type='SafeCheckpointHook', interval=5,
                    save_best='acc/top1', rule='greater'))
randomness = dict(seed=0)
auto_scale_lr = dict(enable=False, base_batch_size=8)
