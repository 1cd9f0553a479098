"""Atomic, restartable zip extraction (used for the MA-52 video zips)."""
import json
import zipfile

import pytest

from mmaction2_ext.utils import DownloadError
from mmaction2_ext.utils.unzip import extract_zip, is_extracted

MEMBERS = {'a.mp4': b'A' * 100, 'sub/b.mp4': b'B' * 50, 'c.mp4': b''}


def _zip(path, members):
    with zipfile.ZipFile(path, 'w') as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


def test_interrupted_extraction_is_redone(tmp_path):
    archive = _zip(tmp_path / 'train.zip', MEMBERS)
    out = tmp_path / 'raw_videos'
    marker = str(tmp_path / 'state' / 'train.zip.json')
    # what a killed run leaves: a temp folder and a half-moved member
    (out / '.extract-dead').mkdir(parents=True)
    (out / '.extract-dead' / 'a.mp4').write_bytes(b'partial')
    (out / 'a.mp4').write_bytes(b'AAA')
    assert not is_extracted(marker, str(out))

    members = extract_zip(archive, str(out), marker, dict(size=1, sha256='x'),
                          progress=False)
    assert sorted(members) == sorted(MEMBERS)
    for name, data in MEMBERS.items():
        assert (out / name).read_bytes() == data
    assert sorted(p.name for p in out.iterdir()) == ['a.mp4', 'c.mp4', 'sub']
    assert json.load(open(marker))['members'] == members
    assert is_extracted(marker, str(out), dict(size=1, sha256='x'))
    assert not is_extracted(marker, str(out), dict(size=2, sha256='x'))
    (out / 'sub' / 'b.mp4').unlink()
    assert not is_extracted(marker, str(out))


@pytest.mark.parametrize('name', ['../evil.mp4', '/abs.mp4'])
def test_member_outside_folder_is_refused(tmp_path, name):
    archive = _zip(tmp_path / 'bad.zip', {name: b'x'})
    with pytest.raises(DownloadError, match='outside the extraction folder'):
        extract_zip(archive, str(tmp_path / 'out'), str(tmp_path / 'm.json'),
                    progress=False)
    assert not (tmp_path / 'evil.mp4').exists()
    assert not (tmp_path / 'm.json').exists()


def test_not_a_zip_names_the_file(tmp_path):
    bad = tmp_path / 'val.zip'
    bad.write_bytes(b'not a zip at all')
    with pytest.raises(DownloadError, match=r'val\.zip: not a valid zip'):
        extract_zip(str(bad), str(tmp_path / 'out'), str(tmp_path / 'm'),
                    progress=False)
