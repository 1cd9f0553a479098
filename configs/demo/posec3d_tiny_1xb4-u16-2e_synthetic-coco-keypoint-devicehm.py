# A tiny PoseC3D (SlowOnly on keypoint heatmaps) whose heatmaps are rendered on
# the model's device: the data workers run PackPoseKeypoints instead of
# GeneratePoseTarget + FormatShape + PackActionInputs, and the model's
# HeatmapDataPreprocessor draws the same maps after collation (docs/heatmaps.md).
# Make the data with
#   python tools/data/make_synthetic.py skeleton --layout coco
_base_ = '../_base_/default_runtime.py'

left_kp = [1, 3, 5, 7, 9, 11, 13, 15]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16]
# GeneratePoseTarget arguments, now given to the model
heatmap = dict(sigma=0.6, use_score=True, with_kp=True, with_limb=False)

# what the model takes (inference reads it: docs/inference.md)
model_input = dict(kind='heatmaps', layout='coco', score=True)

model = dict(
    type='Recognizer3D',
    data_preprocessor=dict(
        type='HeatmapDataPreprocessor',
        heatmap=heatmap,
        preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW')),
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        in_channels=17,
        base_channels=8,
        num_stages=2,
        out_indices=(1, ),
        stage_blocks=(1, 1),
        conv1_stride_s=1,
        pool1_stride_s=1,
        inflate=(0, 1),
        spatial_strides=(2, 2),
        temporal_strides=(1, 1),
        dilations=(1, 1)),
    cls_head=dict(type='I3DHead', in_channels=64, num_classes=4,
                  dropout_ratio=0.5, average_clips='prob'))

dataset_type = 'CheckedPoseDataset'
data_root = 'data/synthetic/skeleton/'
ann_file = data_root + 'coco_synthetic.pkl'
train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=16),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, 40)),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    dict(type='PackPoseKeypoints')
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=16, num_clips=2,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='PackPoseKeypoints')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='train',
                 layout='coco', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='val',
                 layout='coco', pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=2,
                        by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=3e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
default_hooks = dict(logger=dict(interval=2))
auto_scale_lr = dict(enable=False, base_batch_size=4)
