"""What a checkpoint file that ``torch.load`` cannot read is, in a few words
(empty, truncated, text, a plain pickle...), for one-line error messages."""
import os
import pickletools
import zipfile
from typing import Optional

LEGACY_MAGIC = b'\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19'  # torch.save < 1.6


def _head(path: str, size: int = 64) -> bytes:
    with open(path, 'rb') as f:
        return f.read(size)


def _text_start(head: bytes) -> Optional[str]:
    """The first line of ``head`` if it is text, else None."""
    text = head.decode('utf-8', errors='ignore')  # a cut last character
    if not text.strip() or not all(c.isprintable() or c.isspace()
                                   for c in text):
        return None
    return text.strip().splitlines()[0][:40]


def _pickled_type(path: str) -> str:
    """' of a list' etc. from the first opcodes of a pickle (not executed)."""
    kinds = dict(EMPTY_LIST='list', EMPTY_DICT='dict', EMPTY_TUPLE='tuple',
                 GLOBAL='Python object', STACK_GLOBAL='Python object')
    try:
        with open(path, 'rb') as f:
            for opcode, _, _ in pickletools.genops(f):
                if opcode.name not in ('PROTO', 'FRAME'):
                    kind = kinds.get(opcode.name)
                    return f' of a {kind}' if kind else ''
    except ValueError:  # not a pickle after all
        pass
    return ''


def load_error_reason(err: BaseException) -> str:
    """The informative line of a ``torch.load`` error."""
    message = str(err).split('WeightsUnpickler error:')[-1].strip()
    return message.splitlines()[0][:80] if message else type(err).__name__


def describe_unreadable(path: str, err: BaseException) -> str:
    """What a file that ``torch.load`` failed on is, in a few words."""
    size, head = os.path.getsize(path), _head(path)
    text = _text_start(head)
    if size == 0:
        return 'empty file (0 bytes)'
    if head.startswith(b'PK') and not zipfile.is_zipfile(path):
        return f'truncated torch.save archive ({size} bytes, end missing)'
    if head.startswith(b'PK'):
        return f'damaged torch.save archive ({load_error_reason(err)})'
    if text is not None:
        return f'a text file, not a checkpoint (starts with {text!r})'
    if isinstance(err, EOFError) or 'EOF' in str(err):
        return f'truncated file ({size} bytes, ends early)'
    if head.startswith(b'\x80') and not head.startswith(LEGACY_MAGIC):
        return f'a plain pickle{_pickled_type(path)}, not a torch.save file'
    return f'not a PyTorch checkpoint ({load_error_reason(err)})'
