"""Every example config in configs/ loads, unchanged, into the schema it is written for."""
import pytest
from audiomi.core import load_config
from audiomi.cli import DemoConfig
from audiomi.features import STFTParams, LogMelParams, EncodecParams
from audiomi.mine import MineConfig
from audiomi.dmi_runs import DmiPairsConfig
from audiomi.rvq_train import RvqConfig
from audiomi.mae_train import MAEConfig
from conftest import ROOT

SCHEMAS = {'demo.yaml': DemoConfig, 'complex_spec.yaml': STFTParams, 'logmel.yaml': LogMelParams,
           'encodec.yaml': EncodecParams, 'mine.yaml': MineConfig, 'dmi_pairs.yaml': DmiPairsConfig,
           'rvq.yaml': RvqConfig, 'rvq_logmel.yaml': RvqConfig, 'mae_seed_example.yaml': MAEConfig, 'mae_subset.yaml': MAEConfig}
# mine.yaml and mae_seed_example.yaml: the seeds' README examples, verbatim
CONFIGS = sorted((ROOT/'configs').glob('*.yaml'))

def test_every_config_has_a_schema():
    assert {p.name for p in CONFIGS} <= set(SCHEMAS), 'register new example configs in tests/test_configs.py'

@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_loads(path):
    cfg = load_config(path, SCHEMAS[path.name])
    assert isinstance(cfg, SCHEMAS[path.name])

def test_complex_spec_example_is_the_seeds_2050_dims():
    from audiomi.features import ComplexSpecExtractor
    assert ComplexSpecExtractor(load_config(ROOT/'configs'/'complex_spec.yaml', STFTParams)).dim == 2050
