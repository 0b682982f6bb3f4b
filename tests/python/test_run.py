"""lpsim.run against `lpsim run`: the same summary.json, per-layer records as layers.csv, errors
with the CLI's message, several runs in one interpreter."""
import csv
import json
import os

import pytest

import lpsim
from conftest import cli_error_text, run_cli

SRC = os.environ.get("LPSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SMALL = os.path.join(SRC, "examples", "resnet18_small.yaml")
SMALL_DICT = {"model": "resnet18",
              "zoo": {"input_size": 32, "width_divisor": 8, "max_blocks": 1, "num_classes": 10},
              "input": {"batch": 1, "seed": 7},
              "quantization": {"default": "lp<8,2,3,0>"},
              "accelerator": {"rows": 8, "cols": 8, "dataflow": "ws", "fidelity": "tile"}}


@pytest.fixture(scope="module")
def cli_run(lpsim_exe, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    p = run_cli(lpsim_exe, ["run", SMALL, "--set", "accelerator.rows=16",
                            "--set", "accelerator.dataflow=os", "-o", str(out), "-q"])
    assert p.returncode == 0, p.stderr
    with open(out / "summary.json") as f:
        summary = json.load(f)
    with open(out / "layers.csv") as f:
        layers = list(csv.DictReader(f))
    return summary, layers


def test_run_equals_cli_summary_and_layers(cli_run):
    summary, layers = cli_run
    r = lpsim.run(SMALL, **{"accelerator.rows": 16}, accelerator__dataflow="os")
    assert r.summary == summary
    assert r.verified and r.first_mismatch == "" and r["total_cycles"] == summary["total_cycles"]
    assert len(r.layers) == len(layers)
    for got, want in zip(r.layers, layers):
        assert list(got) == list(want)
        for k, v in want.items():
            g = got[k]
            if isinstance(g, bool):
                assert str(g).lower() == v, k
            elif isinstance(g, int):
                assert str(g) == v, k
            elif isinstance(g, float):
                assert g == float(v), k
            else:
                assert g == v, k
    assert "verified: yes" in r.console
    arr = r.layers_array()
    assert arr.shape == (len(layers),) and list(arr.dtype.names) == list(layers[0])
    assert int(arr["cycles"].sum()) == sum(int(l["cycles"]) for l in layers)
    assert list(arr["layer"]) == [l["layer"] for l in layers] and arr["verified"].all()


def test_dict_workload_equals_the_file(lpsim_exe, tmp_path):
    a = lpsim.run(SMALL)
    b = lpsim.run(dict(SMALL_DICT, name="resnet18_small"))
    assert a.summary == b.summary


def test_out_writes_the_cli_output_directory(cli_run, tmp_path):
    summary, _ = cli_run
    out = tmp_path / "py-run"
    r = lpsim.run(SMALL, out=out, **{"accelerator.rows": 16, "accelerator.dataflow": "os"})
    assert r.out == str(out)
    with open(out / "summary.json") as f:
        assert json.load(f) == summary
    assert (out / "lpsim-run.json").exists() and (out / "layers.csv").exists()


def test_overrides_change_the_run():
    a = lpsim.run(SMALL_DICT, accelerator__rows=4, accelerator__cols=4)
    b = lpsim.run(SMALL_DICT, **{"quantization.default": "lp<4,1,3,0>"}, check=False)
    c = lpsim.run(SMALL_DICT, quantization={"default": "lp:8,2,3,1"})
    assert a.summary["accelerator"]["rows"] == 4
    assert a["total_cycles"] != b["total_cycles"]
    assert {l["wgt_format"] for l in b.layers} == {"lp<4,1,3,0>"} and not b.verified
    assert {l["wgt_format"] for l in c.layers} == {"lp<8,2,3,1>"}


@pytest.mark.parametrize("sets", [["accelerator.rows=-3"], ["accelerator.bogus=1"],
                                  ["quantization.default=lp<8,2,9,0>"], ["model=nonet"],
                                  ["accelerator.dataflow=diagonal"]])
def test_bad_overrides_raise_the_cli_message(lpsim_exe, tmp_path, sets):
    args = ["run", SMALL, "-o", str(tmp_path / "x"), "-q"]
    for s in sets:
        args += ["--set", s]
    want = cli_error_text(lpsim_exe, args)
    key, value = sets[0].split("=", 1)
    with pytest.raises(lpsim.Error) as e:
        lpsim.run(SMALL, **{key: value})
    assert str(e.value) == want
    assert not (tmp_path / "x").exists()


def test_bad_workloads(lpsim_exe, tmp_path):
    missing = str(tmp_path / "missing.yaml")
    want = cli_error_text(lpsim_exe, ["run", missing, "-q"])
    with pytest.raises(lpsim.Error) as e:
        lpsim.run(missing)
    assert str(e.value) == want
    with pytest.raises(lpsim.Error, match="^<workload dict>: accelerator.bogus: unknown key"):
        lpsim.run(dict(SMALL_DICT, accelerator={"bogus": 1}))
    with pytest.raises(lpsim.Error, match="^<workload dict>"):
        lpsim.run({"zoo": {"input_size": 32}})
    with pytest.raises(TypeError):
        lpsim.run(42)
    with pytest.raises(TypeError):
        lpsim.run(SMALL, accelerator__rows=object())
    # An output directory that holds the user's own files is refused, as by the CLI.
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("mine")
    want = cli_error_text(lpsim_exe, ["run", SMALL, "-o", str(mine), "-q"])
    with pytest.raises(lpsim.Error) as e:
        lpsim.run(SMALL, out=mine)
    assert str(e.value) == want
    assert (mine / "chapter1.tex").read_text() == "mine"
    # ... and the interpreter goes on running.
    assert lpsim.run(SMALL).verified


STUDY = {"base": os.path.join(SRC, "examples", "resnet18_small.yaml"),
         "axes": {"accelerator.rows": [4, 8], "accelerator.dataflow": ["ws", "os"]}}


def test_sweep_equals_cli_results(lpsim_exe, tmp_path):
    spec = tmp_path / "study.yaml"
    spec.write_text(json.dumps(STUDY))
    p = run_cli(lpsim_exe, ["sweep", str(spec), "--out", str(tmp_path / "cli"), "-q"])
    assert p.returncode == 0, p.stderr
    want = (tmp_path / "cli" / "results.csv").read_text()
    s = lpsim.sweep(str(spec), jobs=2)
    assert s.csv == want and s.out is None
    assert s.points == 4 and s.failed == 0 and len(s.rows) == 4
    assert s.columns[:2] == ["accelerator.rows", "accelerator.dataflow"]
    assert [r["accelerator.rows"] for r in s.rows] == [4, 4, 8, 8]
    # The same study as a dict, with a directory kept; each point equals a run of its own.
    s2 = lpsim.sweep(STUDY, out=tmp_path / "py")
    assert s2.csv == want and (tmp_path / "py" / "results.csv").read_text() == want
    row = s2.rows[3]
    r = lpsim.run(STUDY["base"], accelerator__rows=8, accelerator__dataflow="os")
    if row.get("verified") == "yes":  # a simulated (not analytic) point: the same cycles
        assert row["total_cycles"] == r["total_cycles"]


def test_sweep_errors(lpsim_exe, tmp_path):
    bad = dict(STUDY, axes={"accelerator.bogus": [1]})
    spec = tmp_path / "bad.yaml"
    spec.write_text(json.dumps(bad))
    want = cli_error_text(lpsim_exe, ["sweep", str(spec), "--out", str(tmp_path / "o"), "-q"])
    with pytest.raises(lpsim.Error) as e:
        lpsim.sweep(str(spec))
    assert str(e.value) == want
    with pytest.raises(lpsim.Error, match="^<sweep dict>: axes.accelerator.bogus"):
        lpsim.sweep(bad)
    with pytest.raises(lpsim.Error, match="jobs"):
        lpsim.sweep(STUDY, jobs=-1)


def test_readme_python_examples_run_as_written():
    from conftest import check_readme_block, readme_python_blocks
    blocks = [b for b in readme_python_blocks() if "torch" not in b[0]]
    assert blocks
    for code, prose in blocks:
        check_readme_block(code, prose)
