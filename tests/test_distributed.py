"""Sharded extraction: two torch.distributed ranks together write exactly the files one process writes."""
import json, subprocess
from conftest import DATA, ROOT, BIN, audiomi_cmd
from test_cli import same_tree

def test_two_ranks_equal_one(tmp_path, metadata):
    files = [DATA/p for p in metadata[metadata.split == 'val'].path[:9]]   # odd count: ranks get 5 and 4
    (tmp_path/'l').write_text(''.join(f'{f}\n' for f in files))
    args = ['features', 'extract', '--extractor', 'logmel', '--flist', tmp_path/'l', '--root', DATA,
            '--num_workers', '0', '--no-progress', '--device', 'cpu']
    one = subprocess.run(audiomi_cmd(*args, '--output_dir', tmp_path/'one'), capture_output=True, text=True, cwd=ROOT)
    assert one.returncode == 0, one.stderr
    torchrun = BIN/'torchrun'
    two = subprocess.run([str(torchrun), '--standalone', '--nproc_per_node', '2', '--no-python',
                          *audiomi_cmd(*args, '--output_dir', tmp_path/'two')], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert two.returncode == 0, two.stdout + two.stderr
    assert 'rank 0/2' in two.stdout and 'rank 1/2' in two.stdout
    assert '5 extracted' in two.stdout and '4 extracted' in two.stdout
    assert same_tree(tmp_path/'one', tmp_path/'two') == 9
    m1, m2 = (json.loads((tmp_path/d/'features.json').read_text()) for d in ('one', 'two'))
    assert m2['file_count'] == m1['file_count'] == 9 and m2['status'] == 'complete'
