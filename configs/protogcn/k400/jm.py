# ProtoGCN, Kinetics-400 skeleton (HRNet 2D), stream 'jm': the joint config with this stream's
# features, prototype count and CSC weight.
_base_ = './j.py'

work_dir = './work_dirs/protogcn/k400/jm'

model = dict(
    backbone=dict(num_prototype=400),
    cls_head=dict(weight=0.2))

train_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='UniformSampleFrames', clip_len=100),
    dict(type='PoseDecode'),
    dict(type='Flip', flip_ratio=0.5, left_kp=[1, 3, 5, 7, 9, 11, 13, 15],
         right_kp=[2, 4, 6, 8, 10, 12, 14, 16]),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeatExt', dataset='coco_new', feats=['jm']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='UniformSampleFrames', clip_len=100, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeatExt', dataset='coco_new', feats=['jm']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='UniformSampleFrames', clip_len=100, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeatExt', dataset='coco_new', feats=['jm']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
