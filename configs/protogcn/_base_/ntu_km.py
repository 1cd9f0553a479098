# ProtoGCN on NTU RGB+D, k-bone motion stream: the joint config with this
# stream's features, prototype count and CSC weight.
_base_ = './ntu_j.py'

model = dict(
    backbone=dict(num_prototype=100),
    cls_head=dict(weight=0.1))

train_pipeline = [
    dict(type='PreNormalize3D', align_spine=False, align_shoulder=False),
    dict(type='RandomRot', theta=0.2),
    dict(type='Spatial_Flip', dataset='nturgb+d', p=0.5),
    dict(type='GenSkeFeatExt', dataset='nturgb+d', feats=['km']),
    dict(type='UniformSampleDecode', clip_len=100),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='PreNormalize3D', align_spine=False, align_shoulder=False),
    dict(type='GenSkeFeatExt', dataset='nturgb+d', feats=['km']),
    dict(type='UniformSampleDecode', clip_len=100, num_clips=1,
         test_mode=True),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='PreNormalize3D', align_spine=False, align_shoulder=False),
    dict(type='GenSkeFeatExt', dataset='nturgb+d', feats=['km']),
    dict(type='UniformSampleDecode', clip_len=100, num_clips=10,
         test_mode=True),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
