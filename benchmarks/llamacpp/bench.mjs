// llama.cpp (through node-llama-cpp, CPU only) on one GGUF file: prompt processing and generation
// speed, in the spirit of llama-bench's ppN / tgN. A benchmark peer only; never a moe4j dependency.
//
//   node bench.mjs --model FILE [--pp 128] [--tg 64] [--threads 2] [--reps 1]
//   node bench.mjs --model FILE --active        # active weight bytes per token, from the file's tensors
//
// Prints one JSON object on the last line:
//   {"engine":"llama.cpp","model":...,"threads":T,"pp":{"n":N,"tok_s":[...]},"tg":{"n":N,"tok_s":[...]}}
// pp: the whole prompt in one batch (batch size = N), fresh KV cache, no sampling.
// tg: from an empty cache, N tokens one decode each, each sampled greedily from the previous step's logits.
import {getLlama, LlamaLogLevel, readGgufFileInfo} from "node-llama-cpp";

function arg(name, def) {
    const i = process.argv.indexOf("--" + name);
    if (i < 0) return def;
    const v = process.argv[i + 1];
    return v === undefined || v.startsWith("--") ? true : v;
}

const modelPath = arg("model");
if (!modelPath || modelPath === true) {
    console.error("usage: node bench.mjs --model FILE [--pp 128] [--tg 64] [--threads 2] [--reps 1] [--active]");
    process.exit(2);
}

// bytes per block and elements per block of the ggml types a model can hold
const TYPES = {0: [4, 1], 1: [2, 1], 2: [18, 32], 3: [20, 32], 6: [22, 32], 7: [24, 32], 8: [34, 32], 10: [84, 256],
    11: [110, 256], 12: [144, 256], 13: [176, 256], 14: [210, 256], 20: [18, 32], 23: [136, 256], 30: [2, 1], 39: [17, 32]};

async function activeBytes() {
    const info = await readGgufFileInfo(modelPath, {readTensorInfo: true});
    const arch = info.metadata.general.architecture;
    const a = info.metadata[arch] ?? {};
    const nExpert = Number(a.expert_count ?? 0), nUsed = Number(a.expert_used_count ?? 0);
    let total = 0, active = 0;
    for (const t of info.fullTensorInfo ?? info.tensorInfo) {
        const [bb, bs] = TYPES[t.ggmlType] ?? (() => { throw new Error(`unknown ggml type ${t.ggmlType} (${t.name})`); })();
        const n = t.dimensions.reduce((x, y) => x * Number(y), 1);
        const bytes = n / bs * bb;
        total += bytes;
        if (t.name === "token_embd.weight") active += bytes / Number(t.dimensions[1]);   // one row per token
        else if (t.name.includes("_exps.") && nExpert > 0) active += bytes / nExpert * nUsed;
        else active += bytes;
    }
    return {arch, total_bytes: total, active_bytes: active, expert_count: nExpert, expert_used_count: nUsed};
}

if (arg("active", false)) {
    console.log(JSON.stringify(await activeBytes()));
    process.exit(0);
}

const pp = Number(arg("pp", 128)), tg = Number(arg("tg", 64)), threads = Number(arg("threads", 2));
const reps = Number(arg("reps", 1));

const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error, maxThreads: threads});
const t0 = performance.now();
const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: true});
const loadMs = performance.now() - t0;
const context = await model.createContext({contextSize: Math.max(pp, tg) + 16, batchSize: Math.max(pp, 1),
    threads: {ideal: threads, min: threads}, flashAttention: false, sequences: 1});
const seq = context.getSequence();
const nVocab = model.tokens.nTokens ?? 1000;
// prompt tokens: ordinary (non-special) ids spread over the vocabulary
const prompt = Array.from({length: pp}, (_, i) => 300 + (i * 7919) % Math.max(1, Math.min(nVocab, 100000) - 600));

async function runPp(n) {
    await seq.clearHistory();
    const s = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, n));
    return n / ((performance.now() - s) / 1000);
}

let generated = [];
async function runTg(n) {
    await seq.clearHistory();
    let k = 0;
    generated = [];
    const s = performance.now();
    for await (const token of seq.evaluate([prompt[0]], {temperature: 0})) {
        if (generated.length < 8) generated.push(token);
        if (++k >= n) break;
    }
    return k / ((performance.now() - s) / 1000);
}

// warm-up: touch the weights once (page cache, thread pool)
await runPp(Math.min(pp, 16));
await runTg(Math.min(tg, 4));
const ppRates = [], tgRates = [];
for (let r = 0; r < reps; r++) {
    if (pp > 0) ppRates.push(await runPp(pp));
    if (tg > 0) tgRates.push(await runTg(tg));
}
const out = {engine: "llama.cpp", binding: "node-llama-cpp", model: modelPath, threads,
    load_ms: Math.round(loadMs), pp: {n: pp, tok_s: ppRates}, tg: {n: tg, tok_s: tgRates, first_tokens: generated},
    rss_mb: Math.round(process.memoryUsage().rss / 1048576)};
await context.dispose();
await model.dispose();
console.log(JSON.stringify(out));
