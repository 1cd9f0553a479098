# The tiny PCAN with the pose pathway's heatmaps drawn on the model's device:
# the data workers ship the frames and the keypoints (PackPoseKeypoints), and
# HeatmapDataPreprocessor renders the same heatmaps after collation before the
# usual RGB + Pose preprocessing (docs/heatmaps.md, section 2). RGB frames,
# model and schedule as the parent; inputs equal within 1e-5
# (tests/configs/test_devicehm_configs.py).
_base_ = ['./pcan_tiny_1xb4-10e_synthetic-ma52.py',
          '_base_/heatmaps_on_device.py']

model = dict(data_preprocessor={{_base_.heatmaps_on_device}})

img_scale = 56
clip_len = dict(RGB=8, Pose=32)
common = [dict(type='MMDecodeOnce'),
          dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
          dict(type='Resize', scale=(img_scale, img_scale), keep_ratio=False)]
pack = [dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackPoseKeypoints', collect_keys=('imgs', ))]
pack_eval = [pack[0], dict(pack[1], meta_keys=('frame_dir', 'img_shape'))]
train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1),
    *common,
    dict(type='Flip', flip_ratio=0.5, left_kp=[2, 3, 4, 8, 9, 10, 14, 16],
         right_kp=[5, 6, 7, 11, 12, 13, 15, 17]), *pack]
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True), *common, *pack_eval]
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=2,
         test_mode=True), *common, *pack_eval]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
