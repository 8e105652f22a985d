"""The files a run writes: ``bench.json`` (everything), ``bench.md`` (tables of times and ratios to
TensorFlow) and the plots (plots.py).

bench.json, schema "minicnn-bench/1":

    created, quick, command, machine (cpu, cores, memory, versions, numpy_blas, minicnn commit),
    load (wall_s, own_cpu_s: CPU seconds of the run and its processes, load average, share of CPU
          used by other processes, durations: seconds of each phase: start_s, ops_s, models_s,
          scaling_s, memory_s),
    systems: {name: {label, framework, device, environment, reference, available, info | reason}},
    references: the systems minicnn is divided by,
    threads: the thread count given with --threads, or "each system's default",
    cases: [{id, suite, kind, op, mode, source, label, params, sweep,
             results: {contestant: {median_ms, p25_ms, p75_ms, min_ms, max_ms, samples_ms,
                                    calls_per_sample, first_call_ms, facts, peak_mib, memory}
                                   | {skipped: reason} | {error: reason}},
             ratios: {time: {"minicnn[im2col]/tf": {median, p25, p75, min, max}},
                      peak_memory: {"minicnn/tf": {median}}},
             agreement (operators): {checked, mismatches}: every system computed the same outputs,
             conv_facts (conv2d): patch matrix and sparse nonzero sizes}]
"""

import json
import math
import pathlib

from .machine import busy_note
from .systems import SYSTEMS, split_contestant

SHORT = {"minicnn": "minicnn", "tf": "TF", "tf-eigen": "TF Eigen", "torch": "PyTorch",
         "minicnn-gpu": "minicnn GPU", "torch-gpu": "PyTorch GPU"}


def short(name):
    return SHORT.get(name, name)


def write_json(document, path):
    path.write_text(json.dumps(document, indent=1, sort_keys=False, default=str) + "\n")


def fmt_ms(entry):
    if not entry:
        return "—"
    if "median_ms" not in entry:
        return "skipped" if "skipped" in entry else "failed"
    median, low, high = entry["median_ms"], entry["p25_ms"], entry["p75_ms"]
    digits = 2 if median < 10 else 1 if median < 100 else 0
    return f"{median:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def fmt_ratio(entry):
    if not entry:
        return "—"
    text = f"**{entry['median']:.2f}**"
    if "p25" in entry:
        text += f" ({entry['p25']:.2f}–{entry['p75']:.2f})"
    return text


def fmt_mib(entry):
    value = (entry or {}).get("peak_mib")
    return "—" if value is None else f"{value:,.1f}"


def available(document):
    return [name for name, s in document["systems"].items() if s.get("available")]


def subjects_of(case, document):
    names = [n for n in case["results"] if getattr(SYSTEMS.get(split_contestant(n)[0]), "is_subject", False)]
    return names or [n for n in available(document) if SYSTEMS[n].is_subject]


def table(document, suite, columns, memory=False):
    """One row per (case, minicnn form): times of every system, ratios to each reference, and
    (``memory``) peak MiB and the memory ratios."""
    systems = available(document)
    others = [s for s in systems if not SYSTEMS[s].is_subject]
    references = [r for r in document["references"] if r in systems]
    head = [c[0] for c in columns] + ["minicnn ms"] + [f"{short(s)} ms" for s in others]
    head += [f"÷ {short(r)}" for r in references]
    if memory:
        head += ["peak MiB minicnn"] + [f"{short(s)}" for s in others] + [f"mem ÷ {short(r)}" for r in references]
    rows = []
    for case in document["cases"]:
        if case["suite"] != suite:
            continue
        for subject in subjects_of(case, document):
            res = case["results"]
            row = [c[1](case, subject) for c in columns] + [fmt_ms(res.get(subject))]
            row += [fmt_ms(res.get(s)) for s in others]
            row += [fmt_ratio(case["ratios"]["time"].get(f"{subject}/{r}")) for r in references]
            if memory:
                row += [fmt_mib(res.get(subject))] + [fmt_mib(res.get(s)) for s in others]
                row += [fmt_ratio(case["ratios"]["peak_memory"].get(f"{subject}/{r}")) for r in references]
            rows.append(row)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def form(case, subject):
    variant = split_contestant(subject)[1]
    return variant or "—"


OPS_COLUMNS = [("operator and shape", lambda c, s: c["label"]), ("from", lambda c, s: c["source"]),
               ("pass", lambda c, s: c["mode"]), ("form", form)]
MODEL_COLUMNS = [("network", lambda c, s: c["source"]), ("work", lambda c, s: "training step" if c["mode"] == "train"
                 else "inference"), ("batch", lambda c, s: str(c["params"]["batch"]))]
SCALING_COLUMNS = [("sweep", lambda c, s: c["sweep"]["axis"]), ("value", lambda c, s: str(c["sweep"]["value"])),
                   ("shape", lambda c, s: c["label"]), ("form", form)]


def geometric_means(document, suite):
    """{reference: (geometric mean of the median time ratios, count)} over a suite's rows."""
    out = {}
    for ref in document["references"]:
        values = [r["median"] for c in document["cases"] if c["suite"] == suite
                  for key, r in c["ratios"]["time"].items() if key.endswith("/" + ref)]
        if values:
            out[ref] = (math.exp(sum(math.log(v) for v in values) / len(values)), len(values))
    return out


def software_line(document):
    m = document["machine"]
    blas = m["numpy_blas"]
    runtime = blas.get("runtime")
    kernel = ""
    if isinstance(runtime, list) and runtime:  # NumPy's own pool (SciPy may load another BLAS)
        pool = next((p for p in runtime if "numpy" in str(p.get("filepath"))), runtime[0])
        kernel = f"{pool.get('internal_api')} {pool.get('version')}, kernel {pool.get('architecture')}, " \
                 f"{pool.get('num_threads')} threads"
    source = m["minicnn"]
    commit = f", commit {source['commit'][:10]}" if source.get("commit") else ""
    if source.get("changed_files"):
        commit += f" with {source['changed_files']} files under minicnn/ changed since"
    parts = [f"minicnn {source['version']}{commit}", f"NumPy {m['numpy']} ({kernel or blas.get('build')})"]
    for name, system in document["systems"].items():
        if system.get("available") and name != "minicnn":
            info = system["info"]
            version = info.get("tensorflow") or info.get("torch") or ""
            threads = info.get("intra_op_threads") or info.get("threads")
            parts.append(f"{system['label']} {version} (threads: {threads})")
    return "; ".join(parts)


PHASES = (("start_s", "start"), ("ops_s", "ops"), ("models_s", "models"), ("scaling_s", "scaling"),
          ("memory_s", "peak memory"))


def duration_line(load):
    """'4.2 min wall (start 0.2, ops 2.0, peak memory 1.1 min), 6.0 min of CPU time'."""
    text = f"{load['wall_s'] / 60:.1f} min wall"
    phases = [f"{name} {load['durations'][key] / 60:.1f}" for key, name in PHASES if key in load.get("durations", {})]
    if phases:
        text += f" ({', '.join(phases)} min)"
    if load.get("own_cpu_s") is not None:
        text += f", {load['own_cpu_s'] / 60:.1f} min of CPU time"
    return text


def markdown(document):
    m, load = document["machine"], document["load"]
    lines = [f"# minicnn benchmarks, {document['created'][:16].replace('T', ' ')}", "",
             f"`{document.get('command', 'minicnn bench')}` — {'quick' if document['quick'] else 'full'} run, "
             f"{load['wall_s'] / 60:.1f} min", "",
             f"- **Machine**: {m['cpu']}, {m['usable_cores']} usable cores of {m['cores']}, {m['memory_gib']} GiB; "
             f"{m['platform']}; Python {m['python']}",
             f"- **Software**: {software_line(document)}",
             f"- **Duration**: {duration_line(load)}",
             f"- **Threads of every system's compute pools**: {document.get('threads', 'each system default')}"]
    missing = [f"{s['label']}: {s['reason']}" for s in document["systems"].values() if not s.get("available")]
    if missing:
        lines.append("- **Not measured**: " + "; ".join(missing))
    note = busy_note(load)
    if note:
        lines += ["", f"> {note}"]
    if m["minicnn"].get("changed_during_run"):
        lines += ["", "> minicnn's source changed while the run went on (the digest of its files differs at the "
                  "end): processes started later (the peak-memory ones, restarted workers) may have measured "
                  "newer code than the timing workers."]
    lines += ["", "Times are medians of interleaved samples in ms per call, with the interquartile range in "
              "brackets. Ratios (÷) are minicnn's time divided by the reference's: above 1, minicnn is slower; "
              "their brackets are the interquartile range of the per-round ratios. `TF` is TensorFlow with oneDNN "
              "(its default), `TF Eigen` with `TF_ENABLE_ONEDNN_OPTS=0`. Peak memory is the peak RSS of one "
              "call above the process's post-import baseline, each measured in a fresh process."]
    suites_present = [s for s in ("ops", "models", "scaling") if any(c["suite"] == s for c in document["cases"])]
    for suite in suites_present:
        means = geometric_means(document, suite)
        summary = ", ".join(f"÷ {short(r)} {g:.2f} over {n} rows" for r, (g, n) in means.items())
        lines += ["", f"## {suite}", ""]
        if summary:
            lines += [f"Geometric mean of the time ratios: {summary}.", ""]
        if suite == "ops":
            lines.append(table(document, suite, OPS_COLUMNS))
        elif suite == "models":
            lines.append(table(document, suite, MODEL_COLUMNS, memory=True))
        else:
            lines.append(table(document, suite, SCALING_COLUMNS, memory=True))
        lines += ["", f"![{suite}]({suite}.png)"]
    notes = []
    for case in document["cases"]:
        for name, entry in case["results"].items():
            reason = entry.get("skipped") or entry.get("error") or (entry.get("memory") or {}).get("error")
            if reason:
                notes.append(f"- {case['label']} ({case['mode']}), {name}: {reason.splitlines()[0][:300]}")
        for name, why in (case.get("agreement") or {}).get("mismatches", {}).items():
            notes.append(f"- {case['label']} ({case['mode']}), {name}: results disagree: {why}")
        skipped = (case.get("conv_facts") or {}).get("sparse_skipped")
        if skipped and case["suite"] == "scaling":
            notes.append(f"- {case['label']}: {skipped}")
    if notes:
        lines += ["", "## Skipped and failed", ""] + notes
    return "\n".join(lines) + "\n"


def write(document, out_dir, plots=True):
    """Write bench.json, bench.md and the PNG plots into ``out_dir``; return the paths written."""
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "bench.json", out / "bench.md"]
    write_json(document, paths[0])
    paths[1].write_text(markdown(document))
    if plots:
        from . import plots as plotting

        paths += plotting.write_all(document, out)
    return paths
