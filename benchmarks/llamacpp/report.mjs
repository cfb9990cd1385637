// Summarizes compare.sh's runs: medians and ranges per engine, moe4j / llama.cpp ratios, and the decode
// roofline (streaming-read bandwidth / active weight bytes per token). Besides the ratio of the medians it
// gives the median of the paired ratios: run i of moe4j against run i of llama.cpp, which ran next to it,
// so that a drift of the machine's speed over the series (large on shared VMs) cancels in each pair.
//   node report.mjs RUNS.jsonl ACTIVE.json BANDWIDTH_GBS
import {readFileSync} from "node:fs";

const [runsFile, activeFile, bwArg] = process.argv.slice(2);
const runs = readFileSync(runsFile, "utf8").split("\n").filter(l => l.trim()).map(l => JSON.parse(l));
const active = JSON.parse(readFileSync(activeFile, "utf8"));
const bw = Number(bwArg);

const median = xs => {
    if (xs.length === 0) return NaN;
    const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rates = (engine, k) => runs.filter(r => r.engine === engine).flatMap(r => {
    const v = r[k]?.tok_s;
    return Array.isArray(v) ? v : (v === undefined || v === null ? [] : [v]);
});
const first = runs[0] ?? {};
const ppN = first.pp?.n, tgN = first.tg?.n, threads = first.threads;
const rooflineTg = bw * 1e9 / active.active_bytes;
const range = xs => xs.length ? [Math.min(...xs), Math.max(...xs)] : [NaN, NaN];
// one value per run (a run that reports several repetitions counts with their median)
const perRun = (engine, k) => runs.filter(r => r.engine === engine).map(r => {
    const v = r[k]?.tok_s;
    return Array.isArray(v) ? median(v) : (v === undefined || v === null ? NaN : Number(v));
});
const paired = k => {
    const a = perRun("moe4j", k), b = perRun("llama.cpp", k), out = [];
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        if (Number.isFinite(a[i]) && Number.isFinite(b[i]) && b[i] > 0) out.push(a[i] / b[i]);
    }
    return out;
};
const row = engine => {
    const pp = rates(engine, "pp"), tg = rates(engine, "tg");
    return {engine, pp_tok_s: median(pp), pp_range: range(pp), pp_runs: pp.length,
        tg_tok_s: median(tg), tg_range: range(tg), tg_runs: tg.length,
        tg_roofline_fraction: median(tg) / rooflineTg,
        rss_mb: median(runs.filter(r => r.engine === engine && r.rss_mb).map(r => r.rss_mb))};
};
const llama = row("llama.cpp"), moe = row("moe4j");
const f = (x, d = 1) => Number.isFinite(x) ? x.toFixed(d) : "-";
console.log(`model: ${first.model}  (${active.arch}, ${active.expert_used_count}/${active.expert_count} experts per token)`);
console.log(`active weight bytes per token: ${(active.active_bytes / 1e6).toFixed(1)} MB; file ${(active.total_bytes / 1e9).toFixed(2)} GB`);
console.log(`streaming read, ${threads} threads: ${f(bw, 2)} GB/s -> decode roofline ${f(rooflineTg)} tok/s`);
console.log("");
const span = ([lo, hi]) => Number.isFinite(lo) ? `${f(lo)}-${f(hi)}` : "-";
console.log(`| engine | pp${ppN} tok/s | range | tg${tgN} tok/s | range | tg / roofline | RSS MB | runs |`);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of [llama, moe]) {
    console.log(`| ${r.engine} | ${f(r.pp_tok_s)} | ${span(r.pp_range)} | ${f(r.tg_tok_s)} | ${span(r.tg_range)} | `
        + `${f(100 * r.tg_roofline_fraction, 0)}% | ${f(r.rss_mb, 0)} | ${r.tg_runs} |`);
}
const ratio = {pp: moe.pp_tok_s / llama.pp_tok_s, tg: moe.tg_tok_s / llama.tg_tok_s};
const pairs = {pp: paired("pp"), tg: paired("tg")};
const pairText = xs => xs.length ? `${f(median(xs), 2)}x (${xs.map(x => f(x, 2)).join(", ")})` : "-";
console.log("");
console.log(`moe4j / llama.cpp: pp ${f(ratio.pp, 2)}x, tg ${f(ratio.tg, 2)}x` + (moe.tg_runs ? "" : "  (no moe4j runs)"));
console.log(`paired runs, median (each pair): pp ${pairText(pairs.pp)}, tg ${pairText(pairs.tg)}`);
// where each moe4j run's CPU time went (bench's "cpu" object, from /proc): a slow run says here whether it
// lost its CPUs to the JIT, the GC or the hypervisor, or had them all and still got less done
runs.filter(r => r.engine === "moe4j" && r.cpu).forEach((r, i) => console.log(`moe4j run ${i + 1}: tg ${f(r.tg?.tok_s)} tok/s;`
    + ` ${f(r.cpu.process_cpus, 2)} CPUs busy over ${f(r.cpu.seconds)} s, JIT ${f(r.cpu.jit_s, 2)} s,`
    + ` GC ${f(r.cpu.gc_s, 2)} s, steal ${f(r.cpu.steal_pct, 1)}%`));
console.log(JSON.stringify({model: first.model, threads, pp_n: ppN, tg_n: tgN, bandwidth_gbs: bw,
    active_bytes: active.active_bytes, roofline_tg_tok_s: rooflineTg, llama_cpp: llama, moe4j: moe, ratio,
    paired_ratio: {pp: median(pairs.pp), tg: median(pairs.tg), pp_pairs: pairs.pp, tg_pairs: pairs.tg}}));
