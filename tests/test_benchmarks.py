"""The benchmark harness (minicnn/bench): `minicnn bench --quick` end to end, and the pieces whose
numbers it rests on (shape arithmetic, the peak-memory reading, ratios, the agreement check).

The end-to-end run starts TensorFlow with oneDNN on in a child process: the quick shapes stay clear
of trap T9 (no strided filter gradient), so that is safe."""

import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from minicnn import functional as F
from minicnn.bench import harness, machine, measure, shapes, suites
from minicnn.bench.systems import SYSTEMS, split_contestant

ROOT = pathlib.Path(__file__).parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- the quick run, end to end ----------------------------------------------------------------


@pytest.fixture(scope="module")
def quick_run(tf, tmp_path_factory):
    """`minicnn bench --quick` into a temporary folder: (folder, parsed bench.json, stdout)."""
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "-m", "minicnn.cli", "bench", "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, f"exit status {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return out, json.loads((out / "bench.json").read_text()), done.stdout


def test_quick_run_writes_json_markdown_and_plots(quick_run):
    out, _, stdout = quick_run
    for name in ("bench.json", "bench.md", "ops.png", "models.png", "scaling.png"):
        assert (out / name).is_file(), f"{name} missing; folder has {sorted(p.name for p in out.iterdir())}"
        assert str(out / name) in stdout, f"the command does not say it wrote {name}: {stdout}"
    for name in ("ops.png", "models.png", "scaling.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, f"{name}: {len(data)} bytes, not a plot"


def test_json_describes_machine_and_systems(quick_run):
    _, doc, _ = quick_run
    assert doc["schema"] == "minicnn-bench/1" and doc["quick"] is True
    machine = doc["machine"]
    for key in ("cpu", "cores", "usable_cores", "python", "numpy", "numpy_blas", "minicnn", "platform"):
        assert machine.get(key) not in (None, ""), f"machine.{key} missing: {machine}"
    assert machine["numpy_blas"]["runtime"], "no BLAS pool recorded (threadpoolctl)"
    systems = doc["systems"]
    assert systems["tf"]["available"] and systems["tf"]["info"]["onednn"] is True, systems["tf"]
    assert systems["tf-eigen"]["available"] and systems["tf-eigen"]["info"]["onednn"] is False, systems["tf-eigen"]
    assert systems["tf"]["environment"] == {"TF_ENABLE_ONEDNN_OPTS": "1"}
    assert systems["tf-eigen"]["environment"] == {"TF_ENABLE_ONEDNN_OPTS": "0"}
    assert systems["torch"]["available"] or systems["torch"]["reason"], "PyTorch skipped without a reason"
    assert doc["references"] == ["tf", "tf-eigen"]
    assert doc["load"]["wall_s"] > 0 and 0 <= doc["load"]["other_processes_cpu_share"] <= 1, doc["load"]


def test_every_case_is_timed_against_both_tensorflows(quick_run):
    _, doc, _ = quick_run
    assert {c["suite"] for c in doc["cases"]} == {"ops", "models", "scaling"}
    expected_ids = [c["id"] for name in ("ops", "models", "scaling") for c in suites.SUITES[name](quick=True)]
    assert [c["id"] for c in doc["cases"]] == expected_ids
    ops = {c["op"] for c in doc["cases"] if c["suite"] == "ops"}
    assert ops == {"conv2d", "conv2d_transpose", "depthwise_conv2d", "separable_conv2d", "max_pool", "avg_pool",
                   "batch_norm", "dense", "softmax_cross_entropy"}
    for case in doc["cases"]:
        for name, result in case["results"].items():
            assert "median_ms" in result, f"{case['id']} {name}: {result}"
            assert result["p25_ms"] <= result["median_ms"] <= result["p75_ms"], f"{case['id']} {name}: {result}"
            assert len(result["samples_ms"]) == 3 and min(result["samples_ms"]) > 0, f"{case['id']} {name}"
        subjects = [n for n in case["results"] if SYSTEMS[split_contestant(n)[0]].is_subject]
        assert subjects, case["id"]
        for subject in subjects:
            for ref in ("tf", "tf-eigen"):
                assert f"{subject}/{ref}" in case["ratios"]["time"], f"{case['id']}: no {subject}/{ref} ratio"


def test_every_ratio_is_a_finite_positive_number(quick_run):
    _, doc, _ = quick_run
    count = 0
    for case in doc["cases"]:
        for kind in ("time", "peak_memory"):
            for key, ratio in case["ratios"][kind].items():
                for stat, value in ratio.items():
                    if stat != "rounds":
                        assert math.isfinite(value) and value > 0, f"{case['id']} {kind} {key} {stat} = {value}"
                count += 1
    assert count > 60, count


def test_conv_forms_appear_on_lenet_shapes(quick_run):
    _, doc, _ = quick_run
    lenet = next(c for c in doc["cases"] if c["id"] == "ops/conv2d/LeNet-5 conv1/fwd+bwd")
    assert {"minicnn[im2col]", "minicnn[sparse]", "minicnn[naive]"} <= set(lenet["results"]), lenet["results"]


def test_every_system_did_the_same_work(quick_run):
    """Operators: the same outputs and gradients; networks: the same parameter counts."""
    _, doc, _ = quick_run
    for case in doc["cases"]:
        assert len(case["agreement"]["checked"]) >= 3, case["id"]
        assert not case["agreement"]["mismatches"], f"{case['id']}: {case['agreement']['mismatches']}"


def test_training_step_peak_memory_is_measured_in_fresh_processes(quick_run):
    _, doc, _ = quick_run
    step = next(c for c in doc["cases"] if c["id"] == "models/lenet5/train/batch=8")
    pids = set()
    for name in ("minicnn", "tf", "tf-eigen"):
        entry = step["results"][name]
        assert entry["peak_mib"] >= 0 and entry["memory"]["baseline_rss_mib"] > 0, f"{name}: {entry}"
        pids.add(entry["memory"]["pid"])
    assert len(pids) == 3 and not pids & {s["info"]["pid"] for s in doc["systems"].values() if s["available"]}
    assert set(step["ratios"]["peak_memory"]) == {"minicnn/tf", "minicnn/tf-eigen"}, step["ratios"]


def test_markdown_tables_show_the_json_ratios(quick_run):
    out, doc, _ = quick_run
    text = (out / "bench.md").read_text()
    for heading in ("## ops", "## models", "## scaling"):
        assert heading in text
    assert "÷ TF |" in text and "÷ TF Eigen |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "**" in line]
    expected = sum(1 for c in doc["cases"] for n in c["results"] if SYSTEMS[split_contestant(n)[0]].is_subject)
    assert len(rows) == expected, f"{len(rows)} table rows with ratios, {expected} (case, minicnn form) pairs"
    first = doc["cases"][0]
    ratio = first["ratios"]["time"][f"{next(iter(first['results']))}/tf"]["median"]
    assert f"**{ratio:.2f}**" in rows[0], (rows[0], ratio)


# --- the pieces -----------------------------------------------------------------------------------


CONV_SHAPES = [  # (hw, cin, cout, k, stride, padding): the suites' kinds, awkward ones included
    ((28, 28), 1, 6, 3, 1, "VALID"), ((32, 32), 16, 32, 3, 2, "SAME"), ((32, 32), 16, 32, 1, 2, "SAME"),
    ((7, 5), 3, 2, 3, 2, "SAME"), ((9, 9), 2, 3, 5, 3, "VALID"), ((1, 1), 1, 1, 1, 1, "SAME"),
]


@pytest.mark.parametrize("hw, cin, cout, k, stride, padding", CONV_SHAPES, ids=lambda v: str(v).replace(" ", ""))
def test_conv_shape_arithmetic_matches_minicnn(hw, cin, cout, k, stride, padding):
    p = dict(batch=2, hw=hw, cin=cin, cout=cout, k=k, stride=stride, padding=padding)
    w = np.random.default_rng(0).uniform(0.5, 1.0, (k, k, cin, cout))  # no zero weights: nnz counts taps
    y = F.conv2d(np.zeros((2, *hw, cin)), w, stride, padding)
    assert y.shape[1:3] == shapes.conv_out_hw(p), f"{p}: {y.shape} vs {shapes.conv_out_hw(p)}"
    nnz = F.conv2d_as_sparse_matrix(w, (*hw, cin), stride, padding).nnz
    assert shapes.sparse_nonzeros(p) == nnz, f"{p}: counted {shapes.sparse_nonzeros(p)}, W' has {nnz}"
    assert shapes.patch_matrix_bytes(p) == 4 * 2 * y.shape[1] * y.shape[2] * k * k * cin


@pytest.mark.parametrize("op", ["conv2d", "conv2d_transpose", "depthwise_conv2d", "separable_conv2d", "max_pool",
                                "avg_pool", "batch_norm", "dense", "softmax_cross_entropy"])
def test_upstream_gradient_has_the_output_shape(op):
    case = next(c for c in suites.ops_cases(quick=True) if c["op"] == op and c["mode"] == "fwd+bwd")
    from minicnn.bench.peers import mc_peer

    arrays = shapes.op_arrays(op, case["params"])
    names, f = mc_peer._forward(op, case["params"], None, arrays)
    y = f(*[arrays[n] for n in names])
    expected = () if op == "softmax_cross_entropy" else arrays["dy"].shape
    assert y.shape == expected, f"{op}: output {y.shape}, dy {expected}"


def test_conv_forms_follow_their_limits():
    lenet = suites.conv((28, 28), 1, 6, padding="VALID")
    resnet = suites.conv((32, 32), 16, 16)
    assert shapes.conv_methods(lenet) == ["im2col", "sparse", "naive"]
    assert shapes.conv_methods(resnet) == ["im2col"]  # 151M sparse products, 1024 positions x 147k MACs
    assert "exceed" in shapes.sparse_skip_reason(resnet)


def test_peak_memory_sees_an_allocation_inside_the_call():
    baseline = measure.rss_mib()
    held = []
    result = measure.peak_memory(lambda: held.append(np.ones(40 * 2**20 // 8)) or held.pop())  # 40 MiB, freed
    assert result["peak_rss_mib"] - baseline >= 35, (baseline, result)


def test_timer_calibrates_calls_per_sample():
    timer = measure.Timer(lambda: sum(range(1000))).warm_up(min_sample_s=0.01)
    assert timer.calls > 1 and timer.first_ms > 0 and timer.sample() > 0


def test_ratios_are_paired_round_by_round():
    subject = {"median_ms": 4.0, "samples_ms": [2.0, 4.0, 8.0]}
    reference = {"median_ms": 2.0, "samples_ms": [1.0, 2.0, 2.0]}
    entry = harness.ratio_entry(subject, reference)
    assert entry["median"] == 2.0 and entry["min"] == 2.0 and entry["max"] == 4.0 and entry["of_medians"] == 2.0


def test_agreement_flags_a_system_that_computed_something_else():
    results = {"minicnn[im2col]": {"facts": {"checksum": [10.0, 5.0]}}, "tf": {"facts": {"checksum": [10.0001, 5.0]}},
               "torch": {"facts": {"checksum": [10.0, 5.2]}}}
    checked = harness.agreement(results)
    assert checked["checked"] == ["minicnn[im2col]", "tf", "torch"] and list(checked["mismatches"]) == ["torch"]


def test_busy_note_reports_other_processes():
    load = {"other_processes_cpu_share": 0.5, "load_average_before": (3.0, 2, 1), "load_average_after": (4.0, 3, 2)}
    assert "50%" in machine.busy_note(load)
    assert machine.busy_note(dict(load, other_processes_cpu_share=0.02)) is None


def test_cli_rejects_an_unknown_suite():
    from minicnn.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "nosuch"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("script", ["conv2d_vs_tf.py", "pool_bn_vs_tf.py"])
def test_benchmark_scripts_are_thin_wrappers(script):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--help"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "--quick" in done.stdout and "--repeats" in done.stdout, done.stderr[-1000:]


@pytest.mark.slow
def test_full_ops_suite_runs(tf, tmp_path):
    """The whole ops suite with one round (minutes): every case produces ratios or says why not.
    Its quick form is the quick run above; in full only with MINICNN_FULL=1."""
    if os.environ.get("MINICNN_FULL") != "1":
        pytest.skip("the whole ops suite runs only with MINICNN_FULL=1 (the quick run covers its code)")
    done = subprocess.run([sys.executable, "-m", "minicnn.cli", "bench", "ops", "--repeats", "1", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=3600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    doc = json.loads((tmp_path / "bench.json").read_text())
    for case in doc["cases"]:
        for name, result in case["results"].items():
            assert "median_ms" in result or "skipped" in result, f"{case['id']} {name}: {result}"
