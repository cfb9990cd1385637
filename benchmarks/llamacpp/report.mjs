// Summarizes compare.sh's runs: medians per engine, moe4j / llama.cpp ratios, and the decode roofline
// (streaming-read bandwidth / active weight bytes per token).
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
const row = engine => {
    const pp = rates(engine, "pp"), tg = rates(engine, "tg");
    return {engine, pp_tok_s: median(pp), pp_runs: pp.length, tg_tok_s: median(tg), tg_runs: tg.length,
        tg_roofline_fraction: median(tg) / rooflineTg,
        rss_mb: median(runs.filter(r => r.engine === engine && r.rss_mb).map(r => r.rss_mb))};
};
const llama = row("llama.cpp"), moe = row("moe4j");
const f = (x, d = 1) => Number.isFinite(x) ? x.toFixed(d) : "-";
console.log(`model: ${first.model}  (${active.arch}, ${active.expert_used_count}/${active.expert_count} experts per token)`);
console.log(`active weight bytes per token: ${(active.active_bytes / 1e6).toFixed(1)} MB; file ${(active.total_bytes / 1e9).toFixed(2)} GB`);
console.log(`streaming read, ${threads} threads: ${f(bw, 2)} GB/s -> decode roofline ${f(rooflineTg)} tok/s`);
console.log("");
console.log(`| engine | pp${ppN} tok/s | tg${tgN} tok/s | tg / roofline | RSS MB | runs |`);
console.log("|---|---|---|---|---|---|");
for (const r of [llama, moe]) {
    console.log(`| ${r.engine} | ${f(r.pp_tok_s)} | ${f(r.tg_tok_s)} | ${f(100 * r.tg_roofline_fraction, 0)}% | ${f(r.rss_mb, 0)} | ${r.tg_runs} |`);
}
const ratio = {pp: moe.pp_tok_s / llama.pp_tok_s, tg: moe.tg_tok_s / llama.tg_tok_s};
console.log("");
console.log(`moe4j / llama.cpp: pp ${f(ratio.pp, 2)}x, tg ${f(ratio.tg, 2)}x` + (moe.tg_runs ? "" : "  (no moe4j runs)"));
console.log(JSON.stringify({model: first.model, threads, pp_n: ppN, tg_n: tgN, bandwidth_gbs: bw,
    active_bytes: active.active_bytes, roofline_tg_tok_s: rooflineTg, llama_cpp: llama, moe4j: moe, ratio}));
