"""Every papermill template in runs/ keeps its parameters cell and runs with its runs/smoke.yaml parameters."""
import pytest, yaml
import papermill as pm
from conftest import ROOT

TEMPLATES = sorted((ROOT/'runs').glob('*.ipynb'))
SMOKE = yaml.safe_load((ROOT/'runs'/'smoke.yaml').read_text())

def test_every_template_has_smoke_parameters():
    assert TEMPLATES
    assert {t.stem for t in TEMPLATES} <= set(SMOKE), 'add a section for each template to runs/smoke.yaml'

@pytest.mark.parametrize('nb', TEMPLATES, ids=lambda p: p.name)
def test_template_runs(nb, tmp_path):
    params = pm.inspect_notebook(str(nb))
    assert params, f'{nb.name} lost its cell tagged "parameters"'
    smoke = dict(SMOKE[nb.stem])
    assert set(smoke) <= set(params), f'runs/smoke.yaml sets unknown parameters {set(smoke) - set(params)}'
    smoke.update({k: str(tmp_path/k) for k in params if k.endswith('_dir') and k != 'data_dir'})   # write only under tmp
    pm.execute_notebook(str(nb), str(tmp_path/nb.name), parameters=smoke, kernel_name='python3', cwd=str(ROOT),
                        progress_bar=False)
    assert (tmp_path/nb.name).exists()
