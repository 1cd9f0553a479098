# PCAN on MA-52 with the official schedule: 1 GPU x batch 10, 30 epochs,
# SGD 0.0075, steps at 10/20, initialised from the merged RGB+Pose model
# (tools/merge_pretrain.py, or the authors' rgbpose_conv3d_init.pth).
_base_ = [
    '../_base_/default_runtime.py', '_base_/pcan_rgbpose_model.py',
    '_base_/ma52_rgbpose_pipelines.py'
]

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=30, val_begin=3, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.0075, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=30, by_epoch=True,
         milestones=[10, 20], gamma=0.1)
]

# Official: logger every 200 iters, checkpoint every 10 epochs; we keep the
# best model by the MA-52 F1_mean.
default_hooks = dict(
    logger=dict(interval=200),
    checkpoint=dict(interval=10, save_best='ma52/F1_mean', rule='greater'))

# upstream reads ./pretrained/; tools/download.py puts the weights in
# checkpoints/ as the upstream README does, so we read them there
load_from = 'checkpoints/rgbpose_conv3d_init.pth'
# That init (two single-stream models merged) lacks the modules PCAN adds:
# they keep their init. Every other weight must be in the checkpoint.
load_partial = [
    'backbone.featuredifference*', 'backbone.*_lateral.*', 'cls_head.fr_*',
    'cls_head.fc_*_coarse.*'
]
auto_scale_lr = dict(enable=False, base_batch_size=10)
