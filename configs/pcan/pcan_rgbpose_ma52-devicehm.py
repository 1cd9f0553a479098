# PCAN on MA-52 with the pose pathway's heatmaps drawn on the model's device:
# the data workers ship the frames and the keypoints (PackPoseKeypoints)
# instead of 32x56x56 heatmap volumes, and HeatmapDataPreprocessor renders the
# same heatmaps after collation on the GPU (or CPU) the model runs on, before
# the usual RGB + Pose preprocessing (docs/heatmaps.md, section 2). RGB
# frames, model, schedule and checkpoints as pcan_rgbpose_ma52.py.
_base_ = ['./pcan_rgbpose_ma52.py', '_base_/heatmaps_on_device.py']

model = dict(data_preprocessor={{_base_.heatmaps_on_device}})

left_kp = [2, 3, 4, 8, 9, 10, 14, 16]
right_kp = [5, 6, 7, 11, 12, 13, 15, 17]
clip_len = dict(RGB=8, Pose=32)
decode = [dict(type='MMDecodeOnce'),
          dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
          dict(type='Resize', scale=(256, 256), keep_ratio=False)]
pack = [dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackPoseKeypoints', collect_keys=('imgs', ))]
# frame_dir in the dump lets eval_ma52 check its order against the list
pack_eval = [pack[0], dict(pack[1], meta_keys=('frame_dir', 'img_shape'))]
train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1),
    *decode,
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    *pack]
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True), *decode, *pack_eval]
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True), *decode, *pack_eval]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
