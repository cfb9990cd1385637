"""Trains the demo qwen3moe on data/train.ids.npy for a fixed number of steps (or a wall-clock budget
measured on the first steps), validates on data/val.ids.npy, writes ckpt.pt and train_log.json.

  /usr/bin/python3 train.py --data data --out out --budget-min 35       # sizes the run to ~35 minutes
  /usr/bin/python3 train.py --data data --out out --steps 1234          # exactly reproducible
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch

from model import Config, Qwen3Moe, llama_perplexity


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data")
    ap.add_argument("--out", default="out")
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--budget-min", type=float, default=35.0,
                    help="without --steps: train until this many minutes have passed, cosine schedule over them")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--aux", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    tok = json.load(open(os.path.join(args.data, "tokenizer.json")))
    cfg = Config(vocab=len(tok["tokens"]))
    train = np.load(os.path.join(args.data, "train.ids.npy")).astype(np.int64)
    val = np.load(os.path.join(args.data, "val.ids.npy")).astype(np.int64)
    gen = torch.Generator().manual_seed(args.seed)
    model = Qwen3Moe(cfg)
    model.init_weights(gen)
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    T = cfg.n_ctx
    train_t = torch.from_numpy(train)
    log = open(os.path.join(args.out, "train.log"), "a")

    def say(s):
        print(s, flush=True)
        log.write(s + "\n")
        log.flush()

    say("params %d config %s args %s train_tokens %d val_tokens %d" % (n_params, cfg.to_dict(), vars(args),
                                                                       len(train), len(val)))

    def batch():
        starts = torch.randint(0, len(train) - T - 1, (args.batch,), generator=gen)
        x = torch.stack([train_t[s:s + T] for s in starts.tolist()])
        y = torch.stack([train_t[s + 1:s + T + 1] for s in starts.tolist()])
        return x, y

    total = args.steps if args.steps > 0 else 10 ** 9
    t_start = time.time()
    t_measure = None
    step = 0
    ema = None
    last_save = time.time()

    def save(tag):
        torch.save({"config": cfg.to_dict(), "model": model.state_dict(), "step": step}, os.path.join(args.out, "ckpt.pt"))
        say("saved checkpoint at step %d (%s)" % (step, tag))

    while step < total:
        lr_s = step / args.warmup if step < args.warmup else None
        if lr_s is None:
            if args.steps > 0:  # exactly reproducible: cosine over the given number of steps
                prog = min(1.0, (step - args.warmup) / max(1, total - args.warmup))
            else:  # wall-clock budget: cosine over the elapsed fraction of the budget
                prog = min(1.0, (time.time() - t_start) / (args.budget_min * 60))
            lr_s = args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * prog))
        for g in opt.param_groups:
            g["lr"] = args.lr * lr_s
        model.train()
        x, y = batch()
        logits, aux, frac = model(x)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, cfg.vocab), y.view(-1))
        (loss + args.aux * aux).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if args.steps <= 0 and time.time() - t_start >= args.budget_min * 60:
            total = step  # budget spent: stop here (rerun with --steps <this> to reproduce exactly)
        if step % 25 == 0 or step == total:
            say("step %d loss %.4f ema %.4f aux %.4f lr %.2e elapsed %.0fs max_expert_frac %.3f" % (
                step, loss.item(), ema, aux.item(), args.lr * lr_s, time.time() - t_start, frac.max().item()))
        if time.time() - last_save > 300:
            save("periodic")
            last_save = time.time()
    train_time = time.time() - t_start
    save("final")
    # validation: mean next-token loss over all full 256-token windows of the held-out text,
    # and the llama-perplexity measure moe4j's `perplexity -c 256` computes
    model.eval()
    with torch.no_grad():
        val_t = torch.from_numpy(val)
        n = (len(val) - 1) // T
        tot = 0.0
        for i in range(0, n, 16):
            xs = torch.stack([val_t[j * T:j * T + T] for j in range(i, min(n, i + 16))])
            ys = torch.stack([val_t[j * T + 1:j * T + T + 1] for j in range(i, min(n, i + 16))])
            lg, _, _ = model(xs)
            tot += torch.nn.functional.cross_entropy(lg.view(-1, cfg.vocab), ys.view(-1), reduction="sum").item()
        val_loss = tot / (n * T)
        tr_tot = 0.0
        g2 = torch.Generator().manual_seed(99)
        for i in range(8):
            starts = torch.randint(0, len(train) - T - 1, (16,), generator=g2).tolist()
            xs = torch.stack([train_t[s:s + T] for s in starts])
            ys = torch.stack([train_t[s + 1:s + T + 1] for s in starts])
            lg, _, _ = model(xs)
            tr_tot += torch.nn.functional.cross_entropy(lg.view(-1, cfg.vocab), ys.view(-1)).item()
        train_loss = tr_tot / 8
    ppl, nll, cnt = llama_perplexity(model, val, 256, 40)
    res = {"steps": step, "train_seconds": round(train_time, 1), "tokens_seen": step * args.batch * T,
           "params": n_params, "config": cfg.to_dict(), "args": vars(args),
           "final_train_loss": round(train_loss, 4), "final_val_loss": round(val_loss, 4),
           "val_ppl_full_windows": round(math.exp(val_loss), 3),
           "val_llama_ppl_c256_40chunks": round(ppl, 4), "val_llama_ppl_scored": cnt,
           "train_ema_loss": round(ema, 4)}
    json.dump(res, open(os.path.join(args.out, "train_result.json"), "w"), indent=2)
    say(json.dumps(res))


if __name__ == "__main__":
    main()
