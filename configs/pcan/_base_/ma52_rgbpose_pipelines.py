# MA-52 RGB+Pose data (pcan.md 3): official pose pickles, raw videos, list files.
# what the model takes (inference reads it: docs/inference.md)
model_input = dict(kind='rgbpose', layout='ma52', score=True)
dataset_type = 'MA52Dataset'
# everything under data_root: tools/train.py --data-root DIR moves it all
data_root = 'data/ma52/'
video_root = data_root + 'raw_videos/'
ann_root = data_root + 'MA-52_openpose_28kp/'
list_root = data_root + 'annotations/'

left_kp = [2, 3, 4, 8, 9, 10, 14, 16]
right_kp = [5, 6, 7, 11, 12, 13, 15, 17]
img_scale = 256
crop_scale = 224
clip_len = dict(RGB=8, Pose=32)
heatmap = dict(type='FastGeneratePoseTarget', sigma=0.7, use_score=True,
               with_kp=True, with_limb=False, scaling=0.25)

train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1),
    dict(type='MMDecodeOnce'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(img_scale, img_scale), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(crop_scale, crop_scale), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', collect_keys=('imgs', 'heatmap_imgs'))
]
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='MMDecodeOnce'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(img_scale, img_scale), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    # frame_dir in the dump lets eval_ma52 check its order against the list
    dict(type='PackActionInputs', collect_keys=('imgs', 'heatmap_imgs'),
         meta_keys=('frame_dir', 'img_shape'))
]
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    *val_pipeline[1:]
]

train_dataloader = dict(
    batch_size=10,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_root + 'MA52_train.pkl',
        data_prefix=dict(video=video_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_root + 'MA52_val.pkl',
        data_prefix=dict(video=video_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_root + 'MA52_test.pkl',
        list_file=list_root + 'test_list_videos.txt',
        data_prefix=dict(video=video_root),
        pipeline=test_pipeline,
        # the official test labels are hidden (all 0): tools/test.py computes
        # no metric; eval_ma52/eval_test.py turns the --dump into the
        # Codabench submission
        labels_hidden=True,
        test_mode=True))

val_evaluator = [dict(type='MA52Metric')]
test_evaluator = val_evaluator
