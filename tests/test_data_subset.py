"""The committed corpus is what its README and the issue promise."""
import soundfile as sf
from conftest import DATA

def test_layout_and_counts(metadata):
    assert list(metadata.columns) == ['path', 'speaker', 'label', 'text', 'split', 'voice', 'duration']
    assert metadata.speaker.nunique() >= 6 and metadata.text.nunique() >= 10
    assert set(metadata.label) == {'neutral', 'happy', 'sad', 'angry'}
    assert set(metadata.split) == {'train', 'val', 'test'}
    # text-disjoint splits
    by = metadata.groupby('split').text.apply(set)
    assert not (by['train'] & by['val']) and not (by['train'] & by['test']) and not (by['val'] & by['test'])

def test_audio_files(metadata):
    for p, dur in zip(metadata.path, metadata.duration):
        info = sf.info(DATA/p)
        assert (info.samplerate, info.channels, info.format) == (16000, 1, 'FLAC'), p
        assert abs(info.frames / 16000 - dur) < 2e-3, p

def test_size_under_25mb():
    total = sum(f.stat().st_size for f in DATA.rglob('*') if f.is_file())
    assert total < 25 * 2**20, total
    assert (DATA/'README.md').read_text().count('SYNTHETIC') >= 1
