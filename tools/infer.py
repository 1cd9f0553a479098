"""Run a trained model on your own data (docs/inference.md).

    python tools/infer.py CONFIG CHECKPOINT INPUT [--pose POSE] [--topk 5]
        [--backend pytorch|onnxruntime]
        [--window W [--stride S] [--fps F]]
        [--out-json FILE] [--vis FILE.png|FILE.mp4]
    python tools/infer.py CONFIG CHECKPOINT SOURCE --stream [--pose POSE]
        [--window W] [--stride S] [--max-delay SECONDS] [--out-json FILE]

INPUT by config: skeleton recognizers take a ``.pkl`` / ``.json`` sample or
annotation file (``--sample``), ``.npy`` keypoints or an OpenPose JSON
folder; PCAN a video with ``--pose`` (pose pickle or OpenPose JSON folder);
HAAN a ``(T, D)`` feature ``.npy`` with ``--sec2clip-ratio``. ``--window``
gives a recognizer's top-k per window of W frames (a label timeline).
``--stream`` plays SOURCE live (a video file at its frame rate, a camera
index such as 0, or an rtsp/http URL), estimates poses frame by frame
(MediaPipe, or ``--pose`` a recorded video's pose file) and prints the label
of the latest W frames every S frames, with its lag; Ctrl-C stops.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from cli_args import (CfgOptions, add_data_root, apply_data_root,  # noqa: E402
                      cfg_options)

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.mov', '.webm')
EXTRACT = 'mediapipe'  # --pose value: extract the poses from the video
TAKES = dict(skeleton='a skeleton sample (.pkl, .json, .npy keypoints or '
             'an OpenPose JSON folder)',
             rgbpose='a video file with its poses (--pose)',
             features='a (T, D) clip-feature .npy (--sec2clip-ratio)')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Predict the classes (or HAAN detections) of one input')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file (with --backend '
                        'onnxruntime: the ONNX file of export_onnx.py)')
    parser.add_argument('input', help='skeleton file, video or feature .npy')
    parser.add_argument('--pose', help='poses of the video (PCAN): pose '
                        'pickle, OpenPose JSON folder, or "mediapipe" to '
                        'extract them (the [pose] extra)')
    parser.add_argument('--sample', help='sample (frame_dir) to take from a '
                        'file holding several')
    parser.add_argument('--img-shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='frame size of 2D keypoints without img_shape')
    parser.add_argument('--sec2clip-ratio', type=float,
                        help='HAAN: feature clips per second (default: '
                        'what tools/data/extract_features.py recorded)')
    parser.add_argument('--label-file', help='class names, one per line '
                        '(default: the config\'s label_file or built-in list)')
    parser.add_argument('--device', default='cpu', help='cpu or cuda:0...')
    parser.add_argument('--backend', default='pytorch',
                        choices=('pytorch', 'onnxruntime'),
                        help='onnxruntime: run the ONNX file of '
                        'tools/deployment/export_onnx.py (docs/deploy.md)')
    parser.add_argument('--topk', type=int, default=5,
                        help='predictions (recognizers) / rows (HAAN) shown')
    parser.add_argument('--window', type=int, help='recognizers: predict '
                        'per window of this many frames (a timeline)')
    parser.add_argument('--stride', type=int, help='frames between window '
                        'starts (default: --window)')
    parser.add_argument('--fps', type=float, help='frames per second of a '
                        'skeleton input, for window times in seconds')
    parser.add_argument('--stream', action='store_true', help='play INPUT '
                        'live (video file, camera index, rtsp/http URL) and '
                        'label a sliding window (default: the model\'s clip '
                        'length) every --stride frames')
    parser.add_argument('--max-delay', type=float,
                        help='--stream: frames that waited longer (seconds) '
                        'are dropped (default: 0.5)')
    parser.add_argument('--out-json', help='write the results to this file')
    parser.add_argument('--vis', help='HAAN and --window: timeline image '
                        '(.png); others: poses and top labels as a video '
                        '(.mp4)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='fully unpickle the checkpoint (trusted only)')
    add_data_root(parser)
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptions,
                        help='override config settings, key=value (e.g. '
                        'model.cls_head.num_classes=8)')
    return parser.parse_args(argv)


def check_input(kind, args):
    """One clear error when INPUT does not fit the config's input kind."""
    from mmaction2_ext.utils import DataError
    is_video = args.input.lower().endswith(VIDEO_EXTS)
    if kind == 'features' and args.window is not None:
        raise DataError(f'--window is for recognizers: {args.config} (HAAN) '
                        'detects segments over the whole input itself')
    fits = dict(skeleton=not is_video and args.pose is None,
                rgbpose=is_video and args.pose is not None,
                features=args.input.lower().endswith('.npy'))[kind]
    if not fits:
        raise DataError(f'{args.input}: wrong input kind for {args.config}, '
                        f'which takes {TAKES[kind]}')
    if kind == 'features' and args.sec2clip_ratio is None:
        raise DataError(f'{args.input}: HAAN needs --sec2clip-ratio (feature '
                        'clips per second)')
    suffix = '.png' if kind == 'features' or args.window else '.mp4'
    if args.vis and not args.vis.lower().endswith(suffix):
        drawn = ('a HAAN config draws its detection timeline' if kind ==
                 'features' else 'a recognizer draws its overlay video')
        raise DataError(f'--vis {args.vis}: {drawn}, a {suffix} file')


def check_options(args):
    """The options' values and combinations, before any file is read or
    model loaded. One rule: a value out of range, or an option that would
    be ignored, is refused with one line."""
    from mmaction2_ext.utils import DataError
    for name in ('window', 'stride', 'topk'):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise DataError(f'--{name} {value}: must be >= 1')
    for name in ('fps', 'max_delay', 'sec2clip_ratio'):
        value = getattr(args, name)
        if value is not None and not value > 0:
            raise DataError(f'--{name.replace("_", "-")} {value}: must be '
                            '> 0')
    windowed = args.window is not None or args.stream
    if args.stride is not None and not windowed:
        raise DataError('--stride is the step between windows: give --window '
                        '(or --stream) too')
    if args.fps is not None and args.window is None:
        raise DataError('--fps gives window times in seconds: give --window '
                        'too')
    if args.max_delay is not None and not args.stream:
        raise DataError('--max-delay is for --stream')
    if args.stream and args.vis:
        raise DataError('--vis is not drawn with --stream: the labels are '
                        'printed live and written by --out-json')
    if args.window is not None and args.vis and \
            not args.vis.lower().endswith('.png'):
        raise DataError(f'--vis {args.vis}: with --window the picture is the '
                        'label timeline, a .png file (without --window a '
                        'recognizer draws its .mp4 overlay)')


def extract(model, video):
    """``--pose mediapipe``: the video's poses in the config's layout."""
    from mmaction2_ext.apis.pose_extract import extract_poses
    return extract_poses(video, model.model_input.layout, progress=True)


def predict(model, args):
    """The results dict written by ``--out-json``, and the annotation dict
    of a recognizer's input (None for HAAN)."""
    from mmaction2_ext.apis import (inference_features, inference_rgbpose,
                                    inference_skeleton, named_detections,
                                    top_predictions)
    from mmaction2_ext.apis.inference import (rgbpose_annotation,
                                              skeleton_annotation)
    from mmaction2_ext.apis.input_report import describe_input
    if model.input_kind == 'features':
        dets = inference_features(model, args.input, args.sec2clip_ratio)
        return dict(input=args.input,
                    detections=named_detections(model, dets)), None
    if model.input_kind == 'rgbpose':
        anno = rgbpose_annotation(model, args.input, args.pose, args.sample)
        result = inference_rgbpose(model, args.input, anno)
    else:
        anno = skeleton_annotation(model, args.input, args.sample,
                                   args.img_shape)
        result = inference_skeleton(model, anno)
    return dict(input=args.input,
                **describe_input(anno, model.model_input.clip_len),
                **top_predictions(model, result, args.topk)), anno


def predict_windows(model, args):
    """The ``--window`` results dict: the per-window timeline."""
    from mmaction2_ext.apis import inference_windows
    timeline = inference_windows(model, args.input, args.window, args.stride,
                                 args.pose, args.sample, args.img_shape,
                                 args.fps, args.topk)
    return dict(input=args.input, window=args.window,
                stride=args.window if args.stride is None else args.stride,
                timeline=timeline)


def _in_seconds(results):
    return results['timeline'][0]['start'] is not None


def plot_windows(results, out):
    """``--vis`` with ``--window``: each window's best class as a bar."""
    from mmaction2_ext.apis.windows import timeline_segments
    from mmaction2_ext.visualization.figure import save_figure
    from mmaction2_ext.visualization.timeline import draw_timeline
    fig = draw_timeline(timeline_segments(results['timeline']),
                        title=f'{osp.basename(results["input"])}: best '
                        f'class per {results["window"]}-frame window')
    if not _in_seconds(results):
        fig.axes[0].set_xlabel('frame')
    save_figure(fig, out)


def visualize(model, results, anno, out):
    """``--vis``: HAAN timeline, or the poses and top labels as an mp4."""
    if anno is None:
        from mmaction2_ext.visualization.timeline import plot_timeline
        plot_timeline(results['detections'], out,
                      title=osp.basename(results['input']))
        return
    import decord
    from mmaction2_ext.visualization.pose_video import (pose_edges,
                                                        write_pose_video)
    layout = model.cfg.model.get('backbone', {}).get('graph_cfg', {}).get(
        'layout')
    lines = [f'{p["label"]}: {p["score"]:.2f}'
             for p in results['predictions'][:3]]
    frames, fps = None, 30.
    if 'filename' in anno:
        reader = decord.VideoReader(anno['filename'], num_threads=1)
        frames = reader.get_batch(range(len(reader))).asnumpy()
        fps = reader.get_avg_fps()
    write_pose_video(out, anno['keypoint'], lines, anno.get('img_shape'),
                     frames, pose_edges(anno['keypoint'].shape[2], layout),
                     fps)


def stream(model, args):
    """``--stream``: live labels until the end of the stream or Ctrl-C; the
    results dict (every prediction and the summary)."""
    import contextlib
    from mmaction2_ext.apis.inference import load_pose
    from mmaction2_ext.apis.pose_extract import PoseTracker
    from mmaction2_ext.apis.stream import (open_source, recorded_poses,
                                           stream_predictions, stream_summary)
    from mmaction2_ext.utils import DataError
    if model.input_kind == 'features':
        raise DataError(f'--stream is for recognizers: {args.config} (HAAN) '
                        'detects segments in whole feature files')
    window = args.window or model.model_input.clip_len
    if window is None:
        raise DataError(f'--stream: {args.config} names no clip length: '
                        'give --window')
    stride = args.stride or window
    with contextlib.ExitStack() as stack:
        if args.pose in (None, EXTRACT):
            pose = stack.enter_context(PoseTracker(model.model_input.layout))
            estimate = lambda frame: pose(frame.rgb)  # noqa: E731
        else:
            estimate = recorded_poses(load_pose(
                args.pose, args.sample, osp.splitext(osp.basename(
                    args.input))[0], model.model_input.layout)[0])
        source = open_source(args.input, args.max_delay or 0.5)
        print(f'streaming {args.input} at {source.fps:.1f} fps: label of the '
              f'last {window} frames every {stride} frames (Ctrl-C stops)',
              flush=True)
        results, stopped = [], 'end of stream'
        try:
            for r in stream_predictions(model, source, estimate, window,
                                        stride, args.topk):
                results.append(r)
                label = ('(no person)' if not r['person'] else
                         f'{r["predictions"][0]["label"]} '
                         f'({r["predictions"][0]["score"]:.2f})')
                print(f'{r["time"]:8.2f} s  {label}  lag {r["lag"]:.2f} s, '
                      f'dropped {r["dropped"]}', flush=True)
        except KeyboardInterrupt:
            stopped = 'interrupted (Ctrl-C)'
        finally:
            source.stop()
    summary = stream_summary(results, source)
    lag = '' if not results else (f'; lag median {summary["lag_median"]:.2f}'
                                  f' s, max {summary["lag_max"]:.2f} s')
    print(f'{stopped}: {summary["frames"]} frames read, {summary["dropped"]} '
          f'dropped, {len(results)} labels{lag}')
    return dict(input=args.input, window=window, stride=stride,
                stopped=stopped, **summary, timeline=results)


def print_timeline(results):
    seconds = _in_seconds(results)
    print(f'{"start":>9} {"end":>9} {"score":>8}  best class '
          f'({"seconds" if seconds else "frames"})')
    for w in results['timeline']:
        start, end = (w['start'], w['end']) if seconds else \
            (w['start_frame'], w['end_frame'])
        best = w['predictions'][0]
        print(f'{start:9.2f} {end:9.2f} {best["score"]:8.4f}  '
              f'{best["label"]}')


def print_table(results, topk):
    frames = '' if 'input_frames' not in results else (
        f' ({results["input_frames"]} frames, '
        f'{results["frames_with_person"]} with a person)')
    print(f'input: {results["input"]}{frames}')
    for warning in results.get('warnings', []):
        print(f'warning: {warning}', file=sys.stderr)
    if 'timeline' in results:
        print_timeline(results)
        return
    if 'detections' in results:
        rows = results['detections'][:topk]
        print(f'{len(results["detections"])} detections, best {len(rows)}:')
        print(f'{"start":>8} {"end":>8} {"score":>8}  label')
        for d in rows:
            print(f'{d["start"]:8.2f} {d["end"]:8.2f} {d["score"]:8.4f}  '
                  f'{d["label"]}')
        return
    for key, title in (('predictions', 'class'), ('body', 'body part')):
        if key in results:
            print(f'{"rank":>4} {"score":>8}  {title}')
            for rank, p in enumerate(results[key], 1):
                print(f'{rank:4d} {p["score"]:8.4f}  {p["label"]}')


def main(args):
    from mmaction2_ext.apis import (init_model, load_config, merge_options,
                                    trust_checkpoints)
    from mmaction2_ext.apis.model_input import model_input
    from mmaction2_ext.utils import atomic_write
    if args.trust_checkpoint:
        trust_checkpoints()
    check_options(args)
    if not args.stream and not osp.exists(args.input):
        raise FileNotFoundError(f'input file {args.input} does not exist')
    cfg = merge_options(apply_data_root(load_config(args.config), args),
                        cfg_options(args.cfg_options))
    if args.label_file:
        cfg.label_file = args.label_file
    route = model_input(cfg, args.config).route
    if route == 'features' and args.sec2clip_ratio is None:
        from mmaction2_ext.apis.clip_features import recorded_ratio
        args.sec2clip_ratio = recorded_ratio(args.input)  # extractor's
    if not args.stream:
        check_input(route, args)
    model = init_model(cfg, args.checkpoint, args.device,
                       backend=args.backend)
    if args.stream:
        results = stream(model, args)
        if args.out_json:
            with atomic_write(args.out_json, 'w') as f:
                json.dump(results, f, indent=2)
        return
    if args.pose == EXTRACT:
        args.pose = extract(model, args.input)
    if args.window is not None:
        results, anno = predict_windows(model, args), None
    else:
        results, anno = predict(model, args)
    print_table(results, args.topk)
    if args.out_json:
        with atomic_write(args.out_json, 'w') as f:
            json.dump(results, f, indent=2)
    if args.vis and args.window is not None:
        plot_windows(results, args.vis)
    elif args.vis:
        visualize(model, results, anno, args.vis)


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before the heavy imports
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
