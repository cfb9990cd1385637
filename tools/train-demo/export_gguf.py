"""Exports out/ckpt.pt + data/tokenizer.json to a qwen3moe GGUF (F16 matrices, F32 norms and router),
with the metadata llama.cpp's converter writes for qwen3moe, then checks the exported weights in
PyTorch: perplexity as `moe4j perplexity -c 256 --chunks N` measures it on data/val.txt, and a greedy
continuation of a prompt (compare with `moe4j logits -p PROMPT --greedy 40`).

  /usr/bin/python3 export_gguf.py --data data --ckpt out/ckpt.pt --out ../../models/moe4j-demo-kjv.gguf
"""
import argparse
import json
import os

import numpy as np
import torch

import bpe
import gguf_io as G
from model import Config, Qwen3Moe, llama_perplexity

DESCRIPTION = ("A tiny Mixture-of-Experts language model (qwen3moe layout: 4 layers, 8 experts, 2 active) "
               "trained from scratch by moe4j's tools/train-demo on the King James Bible (public domain), "
               "as a demonstration model bundled with moe4j. Completion only, no chat template.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data")
    ap.add_argument("--ckpt", default="out/ckpt.pt")
    ap.add_argument("--out", default="../../models/moe4j-demo-kjv.gguf")
    ap.add_argument("--chunks", type=int, default=40)
    ap.add_argument("--prompt", default="And God said")
    ap.add_argument("--greedy", type=int, default=40)
    ap.add_argument("--sample", default="../../models/kjv-heldout-sample.txt",
                    help="written: the first held-out chapters (>= 11,000 characters), for DemoModelTest")
    args = ap.parse_args()
    torch.set_num_threads(1)
    ck = torch.load(args.ckpt)
    cfg = Config(**ck["config"])
    model = Qwen3Moe(cfg)
    model.load_state_dict(ck["model"])
    tokens, merges = bpe.load(os.path.join(args.data, "tokenizer.json"))
    eot = tokens.index(bpe.EOT)
    sd = {k: v.detach().float() for k, v in model.state_dict().items()}
    a = "qwen3moe"
    U32, F32, STR, BOOL, ARR = G.T_UINT32, G.T_FLOAT32, G.T_STRING, G.T_BOOL, G.T_ARRAY
    kv = [
        ("general.architecture", STR, a),
        ("general.type", STR, "model"),
        ("general.name", STR, "moe4j-demo-kjv"),
        ("general.description", STR, DESCRIPTION),
        ("general.license", STR, "apache-2.0"),
        ("general.license.name", STR, "Apache License 2.0 (weights); training text: King James Bible, public domain"),
        ("general.source.url", STR, "https://packages.debian.org/bookworm/bible-kjv-text"),
        (a + ".block_count", U32, cfg.n_layer),
        (a + ".context_length", U32, cfg.n_ctx),
        (a + ".embedding_length", U32, cfg.n_embd),
        (a + ".feed_forward_length", U32, cfg.n_ff_exp),
        (a + ".attention.head_count", U32, cfg.n_head),
        (a + ".attention.head_count_kv", U32, cfg.n_head_kv),
        (a + ".rope.freq_base", F32, cfg.rope_base),
        (a + ".attention.layer_norm_rms_epsilon", F32, cfg.eps),
        (a + ".expert_count", U32, cfg.n_expert),
        (a + ".expert_used_count", U32, cfg.n_used),
        (a + ".attention.key_length", U32, cfg.head_dim),
        (a + ".attention.value_length", U32, cfg.head_dim),
        ("general.file_type", U32, 1),
        (a + ".expert_feed_forward_length", U32, cfg.n_ff_exp),
        ("general.quantization_version", U32, 2),
        ("tokenizer.ggml.model", STR, "gpt2"),
        ("tokenizer.ggml.pre", STR, "gpt-2"),
        ("tokenizer.ggml.tokens", ARR, (STR, tokens)),
        ("tokenizer.ggml.token_type", ARR, (G.T_INT32, [3 if t == bpe.EOT else 1 for t in tokens])),
        ("tokenizer.ggml.merges", ARR, (STR, [x + " " + y for x, y in merges])),
        ("tokenizer.ggml.bos_token_id", U32, eot),
        ("tokenizer.ggml.eos_token_id", U32, eot),
        ("tokenizer.ggml.padding_token_id", U32, eot),
        ("tokenizer.ggml.add_bos_token", BOOL, False),
    ]
    f16 = lambda t: t.numpy().astype(np.float16)
    f32 = lambda t: t.numpy().astype(np.float32)
    ts = [("token_embd.weight", f16(sd["token_embd"]))]
    if not cfg.tied:
        ts.append(("output.weight", f16(sd["output"])))
    ts.append(("output_norm.weight", f32(sd["output_norm"])))
    for i in range(cfg.n_layer):
        p = "blocks.%d." % i
        n = "blk.%d." % i
        ts += [
            (n + "attn_norm.weight", f32(sd[p + "attn_norm"])),
            (n + "attn_q.weight", f16(sd[p + "attn_q"])),
            (n + "attn_k.weight", f16(sd[p + "attn_k"])),
            (n + "attn_v.weight", f16(sd[p + "attn_v"])),
            (n + "attn_output.weight", f16(sd[p + "attn_output"])),
            (n + "attn_q_norm.weight", f32(sd[p + "attn_q_norm"])),
            (n + "attn_k_norm.weight", f32(sd[p + "attn_k_norm"])),
            (n + "ffn_norm.weight", f32(sd[p + "ffn_norm"])),
            (n + "ffn_gate_inp.weight", f32(sd[p + "ffn_gate_inp"])),
            (n + "ffn_gate_exps.weight", f16(sd[p + "ffn_gate_exps"])),
            (n + "ffn_up_exps.weight", f16(sd[p + "ffn_up_exps"])),
            (n + "ffn_down_exps.weight", f16(sd[p + "ffn_down_exps"])),
        ]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    G.write(args.out, kv, ts)
    print("wrote", args.out, os.path.getsize(args.out), "bytes")

    # the model as stored: reload the GGUF's tensors into PyTorch (F16 values widened to F32)
    kvr, tinfo, ds, raw = G.read(args.out)
    back = {}
    for name, ne, tt, off in tinfo:
        shape = tuple(reversed(ne))
        cnt = int(np.prod(shape))
        dt = np.float16 if tt == G.GGML_F16 else np.float32
        back[name] = torch.from_numpy(np.frombuffer(raw, dtype=dt, count=cnt, offset=ds + off).astype(np.float32)
                                      .reshape(shape).copy())
    with torch.no_grad():
        model.token_embd.copy_(back["token_embd.weight"])
        model.output_norm.copy_(back["output_norm.weight"])
        for i, b in enumerate(model.blocks):
            for attr in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "attn_q_norm", "attn_k_norm",
                         "ffn_norm", "ffn_gate_inp", "ffn_gate_exps", "ffn_up_exps", "ffn_down_exps"):
                getattr(b, attr).copy_(back["blk.%d.%s.weight" % (i, attr)])
    enc = bpe.Encoder(tokens, merges)
    val_text = open(os.path.join(args.data, "val.txt")).read()
    val_ids = enc.encode(val_text)
    ppl, nll, cnt = llama_perplexity(model, val_ids, 256, args.chunks)
    blocks = val_text.split("\n\n")
    sample = ""
    for blk in blocks:
        sample += blk + "\n\n"
        if len(sample) >= 11000:
            break
    open(args.sample, "w").write(sample)
    s_ppl, _, s_cnt = llama_perplexity(model, enc.encode(sample), 256)
    # greedy continuation, argmax with the lowest id on ties, full recompute each step
    ids = enc.encode(args.prompt)
    prompt_n = len(ids)
    with torch.no_grad():
        for _ in range(args.greedy):
            lg, _, _ = model(torch.tensor([ids]))
            ids.append(int(torch.argmax(lg[0, -1]).item()))
    gen = ids[prompt_n:]
    res = {"file": os.path.basename(args.out), "bytes": os.path.getsize(args.out),
           "pytorch_f16_llama_ppl_val_c256": round(ppl, 4), "chunks": args.chunks, "scored": cnt,
           "val_tokens": len(val_ids),
           "sample": os.path.basename(args.sample), "pytorch_f16_llama_ppl_sample_c256": round(s_ppl, 4),
           "sample_scored": s_cnt, "prompt": args.prompt, "prompt_ids": ids[:prompt_n],
           "greedy_ids": gen, "greedy_text": enc.decode(gen)}
    print(json.dumps(res, indent=2))
    json.dump(res, open(os.path.splitext(args.out)[0] + ".export.json", "w"), indent=2)


if __name__ == "__main__":
    main()
