# MiGA 2023 track 1 (HFUT-VUT), limb stream: as the joint stream but one
# heatmap channel per limb (22 limbs). Mirrors the official limb.py.
_base_ = './slowonly_r50-emb20_2xb16-u48-100e_imigue-keypoint.py'

skeletons = [[0, 1], [2, 1], [2, 3], [3, 4], [4, 5], [2, 6], [6, 7], [7, 8],
             [1, 9], [9, 11], [1, 10], [10, 11], [5, 12], [5, 13], [5, 14],
             [5, 15], [5, 16], [8, 17], [8, 18], [8, 19], [8, 20], [8, 21]]
# Official (arbitrary) flip lists, kept for parity with the released weights.
left_kp = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
left_limb = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
right_limb = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
limb_target = dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True,
                   with_kp=False, with_limb=True, skeletons=skeletons)
train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=1),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, 64)),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    limb_target,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    limb_target,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(limb_target, double=True, left_kp=left_kp, right_kp=right_kp,
         left_limb=left_limb, right_limb=right_limb),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
