# A few-channel ProtoGCN on the synthetic NTU-layout skeletons: learns the
# classes on CPU in about a minute (the toolbox's ProtoGCN smoke test).
#   python tools/data/make_synthetic.py skeleton --layout ntu --out data/synthetic/skeleton
_base_ = '../_base_/default_runtime.py'

# what the model takes (inference reads it: docs/inference.md)
model_input = dict(kind='keypoints', layout='nturgb+d')

model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='ProtoGCN',
        base_channels=16,
        num_stages=4,
        inflate_stages=[3],
        down_stages=[3],
        prn_dim=32,
        num_prototype=16,
        graph_cfg=dict(layout='nturgb+d', mode='random', num_filter=8,
                       init_off=.04, init_std=.02)),
    cls_head=dict(type='ProtoGCNHead', joint_cfg='nturgb+d', num_classes=4,
                  in_channels=32, weight=0.2))

dataset_type = 'CheckedPoseDataset'
data_root = 'data/synthetic/skeleton/'
ann_file = data_root + 'ntu_synthetic.pkl'
train_pipeline = [
    dict(type='PreNormalize3D', align_spine=False, align_shoulder=False),
    dict(type='GenSkeFeatExt', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleDecode', clip_len=32),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='PreNormalize3D', align_spine=False, align_shoulder=False),
    dict(type='GenSkeFeatExt', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleDecode', clip_len=32, num_clips=2,
         test_mode=True),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='xsub_train',
                 layout='nturgb+d', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='xsub_val',
                 layout='nturgb+d', pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=16, val_interval=16)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=16,
                        by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4,
                   nesterov=True))
default_hooks = dict(logger=dict(interval=6))
auto_scale_lr = dict(enable=False, base_batch_size=8)
