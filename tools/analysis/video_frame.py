"""One frame of a video as a PNG (e.g. of a tools/infer.py --vis overlay).

    python tools/analysis/video_frame.py work_dirs/demo/overlay.mp4 \
        docs/images/inference_overlay.png --frame 20
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('video', help='video file')
    parser.add_argument('out', help='PNG file to write')
    parser.add_argument('--frame', type=int, default=0,
                        help='frame index, from 0 (default 0)')
    return parser.parse_args(argv)


def read_frame(video: str, index: int):
    """Frame ``index`` of ``video`` as a BGR ``(H, W, 3)`` uint8 array."""
    import cv2
    from mmaction2_ext.utils import data_error
    if not osp.isfile(video):
        raise FileNotFoundError(f'video file {video} does not exist')
    cap = cv2.VideoCapture(video)
    try:
        count = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if count == index:
                return frame
            count += 1
    finally:
        cap.release()
    if count == 0:
        raise data_error(video, 'video cannot be decoded', field='video')
    raise data_error(video, f'no frame {index}: the video has {count} '
                     '(from 0)', field='--frame')


def main(args):
    import cv2
    from mmaction2_ext.utils import DataError, atomic_write
    if args.frame < 0:
        raise DataError(f'--frame {args.frame}: a frame index is >= 0')
    frame = read_frame(args.video, args.frame)
    png = cv2.imencode('.png', frame, [cv2.IMWRITE_PNG_COMPRESSION, 9])[1]
    with atomic_write(args.out, 'wb') as f:
        f.write(png.tobytes())
    height, width = frame.shape[:2]
    print(f'frame {args.frame} ({width}x{height}) -> {args.out}')


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
