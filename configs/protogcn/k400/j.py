# ProtoGCN, Kinetics-400 skeleton (HRNet 2D), joint stream (spec: configs/protogcn/k400/j.py).
# The other streams inherit this file.
# Skeletons: k400_hrnet.pkl plus the per-video kpfiles (no memcached;
# see configs/protogcn/README.md for the data layout).
_base_ = '../../_base_/default_runtime.py'

work_dir = './work_dirs/protogcn/k400/j'

model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='ProtoGCN',
        num_prototype=400,
        tcn_ms_cfg=[(3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1'],
        graph_cfg=dict(layout='coco_new', mode='random', num_filter=8,
                       init_off=.04, init_std=.02)),
    cls_head=dict(type='ProtoGCNHead', joint_cfg='coco_new',
                  num_classes=400, in_channels=384, weight=0.2))

dataset_type = 'PoseDataset'
data_root = 'data/k400/'
ann_file = data_root + 'k400_hrnet.pkl'
train_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='UniformSampleFrames', clip_len=100),
    dict(type='PoseDecode'),
    dict(type='Flip', flip_ratio=0.5, left_kp=[1, 3, 5, 7, 9, 11, 13, 15],
         right_kp=[2, 4, 6, 8, 10, 12, 14, 16]),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeat', dataset='coco_new', feats=['j']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='UniformSampleFrames', clip_len=100, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeat', dataset='coco_new', feats=['j']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='UniformSampleFrames', clip_len=100, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeat', dataset='coco_new', feats=['j']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=64,
    num_workers=16,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='train',
                 layout='coco', pipeline=train_pipeline,
                 box_thr=0.5, valid_ratio=0.0))
val_dataloader = dict(
    batch_size=64,
    num_workers=16,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='val',
                 layout='coco', pipeline=val_pipeline, test_mode=True,
                 box_thr=0.5, valid_ratio=0.0))
test_dataloader = dict(
    batch_size=1,
    num_workers=16,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='val',
                 layout='coco', pipeline=test_pipeline, test_mode=True,
                 box_thr=0.5, valid_ratio=0.0))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=150, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# per-iteration cosine decay to 0, no warmup (upstream CosineAnnealing)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=150, by_epoch=True,
         convert_to_iter_based=True)
]
# lr = 0.1 x total_batch / 64 (upstream reference: 4 GPUs x 16, lr 0.1)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4,
                   nesterov=True))
auto_scale_lr = dict(enable=False, base_batch_size=64)
default_hooks = dict(logger=dict(interval=100))
