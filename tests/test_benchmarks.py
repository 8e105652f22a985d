"""The benchmark harness (minicnn/bench): `minicnn bench --quick` end to end (under two minutes on
2 cores), the fairness of the work each system is timed on, and the pieces whose numbers the
reports rest on (medians, ratios, geometric means, the Markdown tables, shape arithmetic, the
peak-memory reading, the agreement check), each against values worked out by hand.

The end-to-end run starts TensorFlow with oneDNN on in a child process: the quick shapes stay clear
of trap T9 (no strided filter gradient), so that is safe."""

import argparse
import json
import math
import os
import pathlib
import resource
import subprocess
import sys
import time

import numpy as np
import pytest

from minicnn import functional as F
from minicnn.bench import add_arguments, command_line, harness, machine, measure, report, shapes, suites
from minicnn.bench.systems import SYSTEMS, split_contestant

ROOT = pathlib.Path(__file__).parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- the quick run, end to end ----------------------------------------------------------------


@pytest.fixture(scope="module")
def quick_run(tf, tmp_path_factory):
    """`minicnn bench --quick` into a temporary folder: (folder, parsed bench.json, stdout, stderr, cost),
    cost = {"wall_s", "cpu_s"}: CPU seconds of the command and every process it started."""
    out = tmp_path_factory.mktemp("bench")
    cpu, wall = children_cpu_seconds(), time.monotonic()
    done = subprocess.run([sys.executable, "-m", "minicnn.cli", "bench", "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    cost = {"wall_s": time.monotonic() - wall, "cpu_s": children_cpu_seconds() - cpu}
    assert done.returncode == 0, f"exit status {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return out, json.loads((out / "bench.json").read_text()), done.stdout, done.stderr, cost


def test_quick_run_accounts_for_its_time(quick_run):
    """The report's bookkeeping of the run: its own CPU time agrees with what the command's processes
    used, and the phases add up to no more than the wall time. (No limit on the time itself: tests
    assert results, not speed; the quick run's two-minute budget is measured and written down.)"""
    _, doc, _, _, cost = quick_run
    load = doc["load"]
    assert 0.5 * cost["cpu_s"] <= load["own_cpu_s"] <= cost["cpu_s"] + 1, (load, cost)
    assert set(load["durations"]) == {"start_s", "ops_s", "models_s", "scaling_s", "memory_s"}, load
    assert sum(load["durations"].values()) <= load["wall_s"] + 1, load


def test_quick_run_shows_progress(quick_run):
    _, doc, _, stderr, _ = quick_run
    for suite in ("ops", "models", "scaling"):
        count = sum(c["suite"] == suite for c in doc["cases"])
        assert f"{suite}: {count} cases x 3 rounds" in stderr, stderr[-2000:]
        assert f"{3 * count}/{3 * count} [{'=' * 30}]" in stderr, f"no finished progress bar for {suite}"


def test_quick_run_writes_json_markdown_and_plots(quick_run):
    out, _, stdout, _, _ = quick_run
    for name in ("bench.json", "bench.md", "ops.png", "models.png", "scaling.png"):
        assert (out / name).is_file(), f"{name} missing; folder has {sorted(p.name for p in out.iterdir())}"
        assert str(out / name) in stdout, f"the command does not say it wrote {name}: {stdout}"
    for name in ("ops.png", "models.png", "scaling.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, f"{name}: {len(data)} bytes, not a plot"


def test_json_describes_machine_and_systems(quick_run):
    _, doc, *_ = quick_run
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
    _, doc, *_ = quick_run
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
    _, doc, *_ = quick_run
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
    _, doc, *_ = quick_run
    lenet = next(c for c in doc["cases"] if c["id"] == "ops/conv2d/LeNet-5 conv1/fwd+bwd")
    assert {"minicnn[im2col]", "minicnn[sparse]", "minicnn[naive]"} <= set(lenet["results"]), lenet["results"]


def test_every_system_did_the_same_work(quick_run):
    """Operators: the same outputs and gradients; networks: the same parameter counts."""
    _, doc, *_ = quick_run
    for case in doc["cases"]:
        assert len(case["agreement"]["checked"]) >= 3, case["id"]
        assert not case["agreement"]["mismatches"], f"{case['id']}: {case['agreement']['mismatches']}"


def test_training_step_peak_memory_is_measured_in_fresh_processes(quick_run):
    _, doc, *_ = quick_run
    step = next(c for c in doc["cases"] if c["id"] == "models/lenet5/train/batch=8")
    pids = set()
    for name in ("minicnn", "tf", "tf-eigen"):
        entry = step["results"][name]
        assert entry["peak_mib"] >= 0 and entry["memory"]["baseline_rss_mib"] > 0, f"{name}: {entry}"
        pids.add(entry["memory"]["pid"])
    assert len(pids) == 3 and not pids & {s["info"]["pid"] for s in doc["systems"].values() if s["available"]}
    assert set(step["ratios"]["peak_memory"]) == {"minicnn/tf", "minicnn/tf-eigen"}, step["ratios"]


def png_size(data):
    """(width, height) from a PNG's IHDR chunk."""
    assert data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR", data[:16]
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def markdown_tables(text):
    """Each Markdown table of ``text`` as a list of its lines."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def test_files_are_well_formed(quick_run):
    out, doc, *_ = quick_run
    assert set(doc) >= {"schema", "created", "quick", "command", "machine", "load", "systems", "references",
                        "threads", "cases"}, sorted(doc)
    time.strptime(doc["created"][:19], "%Y-%m-%dT%H:%M:%S")
    assert doc["command"] == "minicnn bench --quick" and doc["threads"] == "each system's default"
    for case in doc["cases"]:
        assert set(case) >= {"id", "suite", "kind", "op", "mode", "source", "label", "params", "sweep", "results",
                             "ratios"}, case["id"]
        for name, result in case["results"].items():
            assert result["calls_per_sample"] >= 1 and result["first_call_ms"] > 0, f"{case['id']} {name}"
    pools = doc["machine"]["numpy_blas"]["runtime"]
    assert any(pool["internal_api"] and pool["architecture"] and pool["num_threads"] for pool in pools), pools
    assert doc["systems"]["minicnn"]["info"]["native_pools"], "minicnn's BLAS threads not recorded"
    for name in ("tf", "tf-eigen"):
        assert {"tensorflow", "keras", "intra_op_threads", "inter_op_threads"} <= set(doc["systems"][name]["info"])
    tables = markdown_tables((out / "bench.md").read_text())
    assert len(tables) == 3, f"{len(tables)} tables in bench.md, expected one per suite"
    for table in tables:
        cells = table[0].count("|")
        assert set(table[1].replace("|", "")) == {"-"}, f"no header separator: {table[1]}"
        bad = [line for line in table if line.count("|") != cells]
        assert not bad and len(table) > 2, f"rows whose cells differ from the header's {cells - 1}: {bad}"
    for name in ("ops.png", "models.png", "scaling.png"):
        width, height = png_size((out / name).read_bytes())
        assert width >= 400 and height >= 300, f"{name} is {width}x{height}"


def test_markdown_tables_show_the_json_ratios(quick_run):
    out, doc, *_ = quick_run
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


# --- the same work in every system ---------------------------------------------------------------


def fwd_bwd_cases():
    return [pytest.param(c, id=c["op"]) for c in suites.ops_cases(quick=True) if c["mode"] == "fwd+bwd"]


@pytest.mark.parametrize("case", fwd_bwd_cases())
def test_forward_backward_returns_the_output_and_the_gradients(tf, case):
    """Forward+backward gives [y, *gradients] in minicnn and TensorFlow alike: the same y as the forward
    case, the same gradients (of the scalar sum(y * dy), or of the mean cross-entropy), the same
    dtypes and shapes. TensorFlow's tf.function returns y, so Grappler cannot prune the forward ops
    that the gradients do not read (a convolution's gradients never read its output)."""
    from minicnn.bench.peers import mc_peer, tf_peer

    forward = dict(case, mode="fwd", id=case["id"].replace("fwd+bwd", "fwd"))
    sources = tf_peer.SOURCES[case["op"]]
    outputs = {}
    for name, peer in (("minicnn", mc_peer.start("cpu")), ("tf", tf_peer.start("cpu"))):
        fn, _ = peer.build(case, case["variants"][0] if name == "minicnn" else None)
        result = peer.as_numpy(fn())
        y = peer.as_numpy(peer.build(forward, forward["variants"][0] if name == "minicnn" else None)[0]())[0]
        assert len(result) == 1 + len(sources), f"{name}: {len(result)} arrays, expected y and {sources}"
        np.testing.assert_allclose(result[0], y, rtol=1e-6, atol=1e-6, err_msg=f"{name}: y of fwd+bwd != fwd")
        outputs[name] = result
    for k, (mine, theirs) in enumerate(zip(outputs["minicnn"], outputs["tf"])):
        what = "y" if k == 0 else f"d/d{sources[k - 1]}"
        assert mine.dtype == theirs.dtype == np.float32 and mine.shape == theirs.shape, (what, mine.shape, theirs.shape)
        scale = max(float(np.abs(theirs).max()), 1e-6)
        worst = float(np.abs(mine - theirs).max()) / scale
        assert worst < 1e-4, f"{case['id']}: {what} differs from TensorFlow's by {worst:.2g} of its largest value"


@pytest.mark.parametrize("case", fwd_bwd_cases())
def test_tensorflow_graph_fetches_the_forward_op(tf, case):
    """The forward+backward graph's first output is the forward op itself (Conv2D, MaxPool, ...), the
    very op the forward-only graph returns: it is fetched, so it runs."""
    from minicnn.bench.peers import tf_peer

    peer = tf_peer.start("cpu")
    both = peer.build(case, None)[0].get_concrete_function().structured_outputs
    forward = dict(case, mode="fwd")
    alone = peer.build(forward, None)[0].get_concrete_function().structured_outputs
    assert both[0].op.type == alone.op.type, f"{case['id']}: fwd+bwd returns {both[0].op.type}, fwd {alone.op.type}"
    assert both[0].shape == alone.shape and both[0].dtype == alone.dtype == tf.float32


@pytest.mark.parametrize("case", fwd_bwd_cases())
def test_torch_forward_backward_returns_the_output_too(case):
    torch_peer = pytest.importorskip("minicnn.bench.peers.torch_peer", reason="PyTorch is not installed")
    from minicnn.bench.peers import mc_peer
    from minicnn.bench.worker import checksum

    peer, mine = torch_peer.start("cpu"), mc_peer.start("cpu")
    theirs = checksum(peer.as_numpy(peer.build(case, None)[0]()))
    ours = checksum(mine.as_numpy(mine.build(case, case["variants"][0])[0]()))
    assert len(theirs) == len(ours) == 1 + len(torch_peer.SOURCES[case["op"]])
    np.testing.assert_allclose(theirs, ours, rtol=1e-4, err_msg=case["id"])


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


PEAK_PROGRAM = """
import json, numpy as np
from minicnn.bench import measure
baseline, held = measure.rss_mib(), []
result = measure.peak_memory(lambda: held.append(np.ones(40 * 2**20 // 8)) or held.pop())  # 40 MiB, freed
print(json.dumps(dict(result, baseline=baseline)))
"""


def test_peak_memory_sees_an_allocation_inside_the_call():
    """In a fresh process, as the harness measures (in this one, memory freed by earlier tests may be
    reused without the resident size growing)."""
    done = subprocess.run([sys.executable, "-c", PEAK_PROGRAM], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=harness.worker_env(SYSTEMS["minicnn"]))
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert 35 <= result["peak_rss_mib"] - result["baseline"] <= 60, result
    if os.path.exists("/proc/self/clear_refs"):  # Linux lets a process reset its peak mark
        assert result["covers"] == "one call after warm-up", result


def test_timer_calibrates_calls_per_sample():
    timer = measure.Timer(lambda: sum(range(1000))).warm_up(min_sample_s=0.01)
    assert timer.calls > 1 and timer.first_ms > 0 and timer.sample() > 0


def test_ratios_are_paired_round_by_round():
    subject = {"median_ms": 4.0, "samples_ms": [2.0, 4.0, 8.0]}
    reference = {"median_ms": 2.0, "samples_ms": [1.0, 2.0, 2.0]}
    entry = harness.ratio_entry(subject, reference)
    assert entry["median"] == 2.0 and entry["min"] == 2.0 and entry["max"] == 4.0 and entry["of_medians"] == 2.0


@pytest.mark.parametrize("samples, median, p25, p75", [
    ([5.0, 1.0, 4.0, 2.0, 3.0], 3.0, 2.0, 4.0),   # odd count: the middle ones
    ([4.0, 1.0, 3.0, 2.0], 2.5, 1.75, 3.25),      # even: linear between neighbours (positions 0.75, 1.5, 2.25)
    ([7.0], 7.0, 7.0, 7.0),                       # one round
], ids=["five", "four", "one"])
def test_statistics_are_medians_and_quartiles(samples, median, p25, p75):
    stats = harness.statistics(samples)
    got = (stats["median_ms"], stats["p25_ms"], stats["p75_ms"], stats["min_ms"], stats["max_ms"])
    assert got == pytest.approx((median, p25, p75, min(samples), max(samples))), f"{samples}: {stats}"
    assert stats["samples_ms"] == samples  # kept in round order


def test_ratio_is_the_median_of_per_round_ratios_not_the_ratio_of_medians():
    subject = {"median_ms": 20.0, "samples_ms": [10.0, 20.0, 30.0]}
    reference = {"median_ms": 10.0, "samples_ms": [10.0, 5.0, 60.0]}  # per round: 1, 4, 0.5
    entry = harness.ratio_entry(subject, reference)
    expected = {"median": 1.0, "p25": 0.75, "p75": 2.5, "min": 0.5, "max": 4.0, "of_medians": 2.0, "rounds": 3}
    assert entry == pytest.approx(expected), entry


def test_ratio_pairs_only_the_rounds_both_took():
    entry = harness.ratio_entry({"median_ms": 3.0, "samples_ms": [2.0, 6.0, 3.0]},
                                {"median_ms": 2.0, "samples_ms": [1.0, 2.0]})  # the reference's third round failed
    assert entry["rounds"] == 2 and entry["median"] == pytest.approx(2.5) and entry["of_medians"] == 1.5, entry
    assert harness.ratio_entry({"median_ms": 3.0}, {"median_ms": 2.0}) == {"median": 1.5, "of_medians": 1.5}


def test_ratios_divide_every_minicnn_form_by_every_reference():
    results = {"minicnn[im2col]": {"median_ms": 6.0, "peak_mib": 12.0},
               "minicnn[sparse]": {"median_ms": 3.0, "peak_mib": 0.2},  # under 0.5 MiB: no memory ratio
               "tf": {"median_ms": 2.0, "peak_mib": 4.0}, "tf-eigen": {"median_ms": 3.0, "peak_mib": 6.0},
               "torch": {"median_ms": 1.0, "peak_mib": 1.0}}          # measured, but not a reference
    out = harness.ratios(results, [SYSTEMS[n] for n in ("minicnn", "tf", "tf-eigen", "torch")])
    assert {k: v["median"] for k, v in out["time"].items()} == pytest.approx(
        {"minicnn[im2col]/tf": 3.0, "minicnn[im2col]/tf-eigen": 2.0, "minicnn[sparse]/tf": 1.5,
         "minicnn[sparse]/tf-eigen": 1.0})
    assert {k: v["median"] for k, v in out["peak_memory"].items()} == pytest.approx(
        {"minicnn[im2col]/tf": 3.0, "minicnn[im2col]/tf-eigen": 2.0})
    failed = dict(results, tf={"skipped": "trap T9"})
    assert set(harness.ratios(failed, [SYSTEMS["minicnn"], SYSTEMS["tf"]])["time"]) == set()


def test_geometric_means_per_reference_over_a_suite():
    doc = {"references": ["tf", "tf-eigen"], "cases": [
        {"suite": "ops", "ratios": {"time": {"minicnn/tf": {"median": 2.0}}}},
        {"suite": "ops", "ratios": {"time": {"minicnn[im2col]/tf": {"median": 8.0},
                                             "minicnn[im2col]/tf-eigen": {"median": 0.5}}}},
        {"suite": "models", "ratios": {"time": {"minicnn/tf": {"median": 100.0}}}}]}
    means = report.geometric_means(doc, "ops")
    assert means == {"tf": (pytest.approx(4.0), 2), "tf-eigen": (pytest.approx(0.5), 1)}, means
    assert report.geometric_means(doc, "scaling") == {}


@pytest.mark.parametrize("entry, text", [
    ({"median_ms": 3.14159, "p25_ms": 3.0, "p75_ms": 3.5}, "3.14 (3.00–3.50)"),
    ({"median_ms": 42.04, "p25_ms": 41.0, "p75_ms": 43.0}, "42.0 (41.0–43.0)"),
    ({"median_ms": 1234.4, "p25_ms": 1200.2, "p75_ms": 1300.0}, "1234 (1200–1300)"),
    ({"skipped": "trap T9"}, "skipped"), ({"error": "died"}, "failed"), (None, "—"),
], ids=["ms", "tens", "thousands", "skipped", "failed", "absent"])
def test_times_are_printed_with_sensible_digits(entry, text):
    assert report.fmt_ms(entry) == text


def test_ratio_and_duration_formats():
    assert report.fmt_ratio({"median": 2.0, "p25": 1.5, "p75": 2.25}) == "**2.00** (1.50–2.25)"
    assert report.fmt_ratio({"median": 0.456}) == "**0.46**" and report.fmt_ratio(None) == "—"
    load = {"wall_s": 252.0, "own_cpu_s": 360.0, "durations": {"start_s": 12.0, "ops_s": 120.0, "memory_s": 66.0}}
    assert report.duration_line(load) == "4.2 min wall (start 0.2, ops 2.0, peak memory 1.1 min), 6.0 min of CPU time"
    assert report.duration_line({"wall_s": 90.0}) == "1.5 min wall"  # a document from before durations were kept


def synthetic_document():
    """A results document written by hand: one conv2d row (minicnn 6 ms, TF 2 ms, TF Eigen 3 ms in each of
    three rounds), one skipped TF Eigen backward, one training step with peak memory, one scaling point."""
    def timed(ms, peak=None):
        entry = dict(harness.statistics([ms, ms, ms]), calls_per_sample=1, first_call_ms=ms, facts={})
        return entry if peak is None else dict(entry, peak_mib=peak)

    conv, conv_bwd = suites.op_case("conv2d", "ResNet stage 3", suites.conv((8, 8), 64, 64, batch=4))
    step = suites.model_case("lenet5", "train", 8, memory=True)
    point = suites.op_case("conv2d", "sweep batch", suites.conv((8, 8), 8, 8, batch=2), modes=("fwd+bwd",),
                           suite="scaling", variants=["im2col"], sweep={"axis": "batch", "value": 2})[0]
    rows = [(conv, {"minicnn[im2col]": timed(6.0), "tf": timed(2.0), "tf-eigen": timed(3.0)}),
            (conv_bwd, {"minicnn[im2col]": timed(9.0), "tf": timed(3.0), "tf-eigen": {"skipped": "not today"}}),
            (step, {"minicnn": timed(40.0, 30.0), "tf": timed(10.0, 10.0), "tf-eigen": timed(20.0, 15.0)}),
            (point, {"minicnn[im2col]": timed(1.0, 2.0), "tf": timed(0.5, 1.0), "tf-eigen": timed(0.5, 1.0)})]
    systems = [SYSTEMS[n] for n in ("minicnn", "tf", "tf-eigen")]
    cases = []
    for case, results in rows:
        entry = {k: case[k] for k in ("id", "suite", "kind", "op", "mode", "source", "label", "params", "sweep")}
        cases.append(dict(entry, results=results, ratios=harness.ratios(results, systems)))
    cases[3]["conv_facts"] = {"patch_matrix_mib": 0.1, "sparse_products_mib": 0.2}
    pool = {"internal_api": "openblas", "version": "0.3", "architecture": "Haswell", "num_threads": 2,
            "filepath": "/x/numpy.libs/libopenblas.so"}
    tf_info = {"tensorflow": "2.21.0", "intra_op_threads": 2}
    return {
        "schema": "minicnn-bench/1", "created": "2026-01-02T03:04:05+0000", "quick": True,
        "command": "minicnn bench --quick", "threads": 2, "references": ["tf", "tf-eigen"], "cases": cases,
        "machine": {"cpu": "Test CPU", "cores": 2, "usable_cores": 2, "memory_gib": 4.0, "platform": "Linux",
                    "python": "3.11", "numpy": "2.0", "numpy_blas": {"runtime": [pool]},
                    "minicnn": {"version": "0.1.0", "commit": "0123456789abcdef", "changed_files": 0}},
        "load": {"wall_s": 60.0, "own_cpu_s": 90.0, "other_processes_cpu_share": 0.0,
                 "durations": {"start_s": 6.0, "ops_s": 30.0}},
        "systems": {"minicnn": {"label": "minicnn (NumPy)", "available": True, "info": {}},
                    "tf": {"label": "TensorFlow, oneDNN on", "available": True, "info": tf_info},
                    "tf-eigen": {"label": "TensorFlow, oneDNN off", "available": True, "info": tf_info},
                    "torch": {"label": "PyTorch (CPU)", "available": False, "reason": "No module named 'torch'"}},
    }


def test_markdown_of_a_document_written_by_hand():
    text = report.markdown(synthetic_document())
    lines = text.splitlines()
    assert lines[0] == "# minicnn benchmarks, 2026-01-02 03:04"
    assert "`minicnn bench --quick` — quick run, 1.0 min" in text
    assert "- **Machine**: Test CPU, 2 usable cores of 2, 4.0 GiB; Linux; Python 3.11" in lines
    assert "NumPy 2.0 (openblas 0.3, kernel Haswell, 2 threads)" in text
    assert "- **Threads of every system's compute pools**: 2" in lines
    assert "- **Not measured**: PyTorch (CPU): No module named 'torch'" in lines
    assert "- **Duration**: 1.0 min wall (start 0.1, ops 0.5 min), 1.5 min of CPU time" in lines
    assert "busy" not in text  # an idle machine gets no warning
    # ops: fwd ratios 6/2 and 6/3, fwd+bwd 9/3 (TF Eigen skipped); geometric mean over TF: sqrt(3 * 3) = 3
    assert "Geometric mean of the time ratios: ÷ TF 3.00 over 2 rows, ÷ TF Eigen 2.00 over 1 rows." in lines
    row = next(line for line in lines if line.startswith("| conv2d") and "| fwd |" in line)
    assert row == ("| conv2d 3x3 SAME 4x8x8x64->64 | ResNet stage 3 | fwd | im2col | 6.00 (6.00–6.00) | "
                   "2.00 (2.00–2.00) | 3.00 (3.00–3.00) | **3.00** (3.00–3.00) | **2.00** (2.00–2.00) |")
    row = next(line for line in lines if line.startswith("| conv2d") and "| fwd+bwd |" in line)
    assert row.endswith("| 9.00 (9.00–9.00) | 3.00 (3.00–3.00) | skipped | **3.00** (3.00–3.00) | — |"), row
    row = next(line for line in lines if line.startswith("| LeNet-5"))  # time, then memory: 30 MiB / 10, / 15
    memory = "| 30.0 | 10.0 | 15.0 | **3.00** | **2.00** |"
    assert row.endswith("| **4.00** (4.00–4.00) | **2.00** (2.00–2.00) " + memory), row
    assert "- conv2d 3x3 SAME 4x8x8x64->64 (fwd+bwd), tf-eigen: not today" in lines
    for suite in ("ops", "models", "scaling"):
        assert f"![{suite}]({suite}.png)" in lines


def test_write_puts_every_file_in_the_folder(tmp_path):
    pytest.importorskip("matplotlib")
    paths = report.write(synthetic_document(), tmp_path / "new" / "folder")
    assert [p.name for p in paths] == ["bench.json", "bench.md", "ops.png", "models.png", "scaling.png"]
    assert json.loads(paths[0].read_text()) == json.loads(json.dumps(synthetic_document()))
    for path in paths[2:]:
        width, height = png_size(path.read_bytes())
        assert width >= 400 and height >= 300, f"{path.name}: {width}x{height}"


def test_command_line_reproduces_the_options():
    args = add_arguments(argparse.ArgumentParser()).parse_args(
        ["models", "--quick", "--repeats", "2", "--filter", "lenet,resnet", "--threads", "1", "--no-memory"])
    assert args.suites == ["models"] and args.filter == ["lenet", "resnet"]
    expected = "minicnn bench models --quick --repeats 2 --filter lenet,resnet --threads 1 --no-memory"
    assert command_line(args) == expected


@pytest.mark.parametrize("suite", ["ops", "models", "scaling"])
def test_a_suite_is_selected_alone(suite):
    full, quick = harness.select_cases([suite], False, []), harness.select_cases([suite], True, [])
    assert full and quick and {c["suite"] for c in full + quick} == {suite}
    assert len({c["id"] for c in full}) == len(full), "case ids repeat"
    assert harness.settings_for(suite, False, None)["repeats"] == harness.FULL["repeats"][suite]


def test_one_suite_runs_and_reports_alone(tmp_path, capsys):
    """`minicnn bench scaling --quick` (minicnn alone, no memory processes: seconds): only its cases,
    only its plot."""
    from minicnn.bench import main

    assert main(["scaling", "--quick", "--systems", "minicnn", "--no-memory", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "bench.json").read_text())
    assert {c["suite"] for c in doc["cases"]} == {"scaling"} and doc["references"] == []
    assert all("median_ms" in r for c in doc["cases"] for r in c["results"].values())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.json", "bench.md", "scaling.png"]
    assert "wrote " in capsys.readouterr().out


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this platform")
def test_threads_option_confines_each_worker_and_its_pools():
    env = harness.worker_env(SYSTEMS["minicnn"], threads=1)
    assert all(env[name] == "1" for name in harness.THREAD_VARIABLES), env
    program = ("import os; from minicnn.bench.worker import confine_to_threads; confine_to_threads(); "
               "print(len(os.sched_getaffinity(0)))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0 and done.stdout.strip() == "1", (done.stdout, done.stderr[-1000:])


def test_benchmarks_folder_is_not_an_installed_package():
    """setup.cfg installs minicnn* only; benchmarks/ holds scripts and results, no package."""
    import configparser

    from setuptools import find_packages

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    include = config["options.packages.find"]["include"].split()
    packages = find_packages(str(ROOT), include=include)
    assert "minicnn.bench" in packages and "minicnn.bench.peers" in packages, packages
    assert not [p for p in packages if p.split(".")[0] == "benchmarks"], packages
    assert not (ROOT / "benchmarks" / "__init__.py").exists()


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
