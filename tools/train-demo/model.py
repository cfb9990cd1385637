"""A PyTorch qwen3moe that computes exactly what moe4j's MoeDecoder (and llama.cpp) compute for
the qwen3moe architecture:

  h = token_embd[t]
  per block: h += attn_output( attention( rope_neox(rmsnorm_head(q) * q_norm), rope_neox(rmsnorm_head(k) * k_norm), v ) )
                  of x = rmsnorm(h) * attn_norm, with GQA (q head i uses kv head i // (n_head / n_head_kv)),
                  scale 1/sqrt(head_dim), causal
             h += moe(rmsnorm(h) * ffn_norm): p = softmax(ffn_gate_inp x) over all experts, top-k of p,
                  weights renormalised to sum 1, sum_k w_k * down_k(silu(gate_k x) * up_k x)
  logits = output(rmsnorm(h) * output_norm)   (output = token_embd when tied)

RMSNorm: x / sqrt(mean(x^2) + eps) * w. NeoX RoPE rotates (x[i], x[i + d/2]) by pos * base^(-2i/d).
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab: int = 3072
    n_embd: int = 256
    n_layer: int = 4
    n_head: int = 4
    n_head_kv: int = 2
    head_dim: int = 64
    n_expert: int = 8
    n_used: int = 2
    n_ff_exp: int = 192
    n_ctx: int = 256
    eps: float = 1e-6
    rope_base: float = 10000.0
    tied: bool = True

    def to_dict(self):
        return asdict(self)


def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope_tables(cfg, T, device=None):
    d = cfg.head_dim
    inv = cfg.rope_base ** (-torch.arange(0, d // 2, dtype=torch.float64) * 2.0 / d)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()  # [T, d/2]


def rope_neox(x, cos, sin):
    # x: [B, T, H, D]
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    c = cos[None, :, None, :]
    s = sin[None, :, None, :]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        e, hd = cfg.n_embd, cfg.head_dim
        self.attn_norm = nn.Parameter(torch.ones(e))
        self.attn_q = nn.Parameter(torch.empty(cfg.n_head * hd, e))
        self.attn_k = nn.Parameter(torch.empty(cfg.n_head_kv * hd, e))
        self.attn_v = nn.Parameter(torch.empty(cfg.n_head_kv * hd, e))
        self.attn_output = nn.Parameter(torch.empty(e, cfg.n_head * hd))
        self.attn_q_norm = nn.Parameter(torch.ones(hd))
        self.attn_k_norm = nn.Parameter(torch.ones(hd))
        self.ffn_norm = nn.Parameter(torch.ones(e))
        self.ffn_gate_inp = nn.Parameter(torch.empty(cfg.n_expert, e))
        self.ffn_gate_exps = nn.Parameter(torch.empty(cfg.n_expert, cfg.n_ff_exp, e))
        self.ffn_up_exps = nn.Parameter(torch.empty(cfg.n_expert, cfg.n_ff_exp, e))
        self.ffn_down_exps = nn.Parameter(torch.empty(cfg.n_expert, e, cfg.n_ff_exp))

    def attention(self, x, cos, sin):
        cfg = self.cfg
        B, T, _ = x.shape
        hd = cfg.head_dim
        q = (x @ self.attn_q.t()).view(B, T, cfg.n_head, hd)
        k = (x @ self.attn_k.t()).view(B, T, cfg.n_head_kv, hd)
        v = (x @ self.attn_v.t()).view(B, T, cfg.n_head_kv, hd)
        q = rope_neox(rmsnorm(q, self.attn_q_norm, cfg.eps), cos, sin)
        k = rope_neox(rmsnorm(k, self.attn_k_norm, cfg.eps), cos, sin)
        g = cfg.n_head // cfg.n_head_kv
        k = k.repeat_interleave(g, dim=2)
        v = v.repeat_interleave(g, dim=2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # [B, H, T, D]
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        o = (att @ v).transpose(1, 2).reshape(B, T, cfg.n_head * hd)
        return o @ self.attn_output.t()

    def moe(self, x):
        cfg = self.cfg
        B, T, E = x.shape
        xf = x.reshape(-1, E)
        probs = (xf @ self.ffn_gate_inp.t()).softmax(-1)          # [N, n_expert]
        topw, topi = probs.topk(cfg.n_used, dim=-1)               # [N, k]
        topw = topw / topw.sum(-1, keepdim=True).clamp_min(6.103515625e-5)
        out = torch.zeros_like(xf)
        for e in range(cfg.n_expert):
            tok, slot = (topi == e).nonzero(as_tuple=True)
            if tok.numel() == 0:
                continue
            xe = xf[tok]
            h = F.silu(xe @ self.ffn_gate_exps[e].t()) * (xe @ self.ffn_up_exps[e].t())
            ye = h @ self.ffn_down_exps[e].t()
            out.index_add_(0, tok, ye * topw[tok, slot, None])
        # Switch-style load-balancing statistics: fraction routed, mean probability
        frac = torch.zeros(cfg.n_expert, device=x.device).index_add_(
            0, topi.reshape(-1), torch.ones(topi.numel(), device=x.device)) / topi.numel()
        aux = cfg.n_expert * (frac.detach() * probs.mean(0)).sum()
        return out.view(B, T, E), aux, frac

    def forward(self, h, cos, sin):
        h = h + self.attention(rmsnorm(h, self.attn_norm, self.cfg.eps), cos, sin)
        m, aux, frac = self.moe(rmsnorm(h, self.ffn_norm, self.cfg.eps))
        return h + m, aux, frac


class Qwen3Moe(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.token_embd = nn.Parameter(torch.empty(cfg.vocab, cfg.n_embd))
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.output_norm = nn.Parameter(torch.ones(cfg.n_embd))
        self.output = None if cfg.tied else nn.Parameter(torch.empty(cfg.vocab, cfg.n_embd))

    def init_weights(self, gen):
        std = 0.02
        for name, p in self.named_parameters():
            if p.dim() == 1:
                continue
            s = std
            if name.endswith("attn_output") or name.endswith("ffn_down_exps"):
                s = std / math.sqrt(2 * self.cfg.n_layer)
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=gen) * s)

    def forward(self, idx):
        B, T = idx.shape
        cos, sin = rope_tables(self.cfg, T)
        h = self.token_embd[idx]
        auxs, fracs = [], []
        for b in self.blocks:
            h, aux, frac = b(h, cos, sin)
            auxs.append(aux)
            fracs.append(frac)
        h = rmsnorm(h, self.output_norm, self.cfg.eps)
        w = self.token_embd if self.output is None else self.output
        return h @ w.t(), torch.stack(auxs).mean(), torch.stack(fracs)


@torch.no_grad()
def llama_perplexity(model, ids, n_ctx, max_chunks=-1):
    """moe4j's / llama-perplexity's measure (no BOS, as add_bos is false): chunks of n_ctx tokens, each
    from an empty cache, score the predictions of tokens first+1 .. n_ctx-1 with first = n_ctx/2.
    Returns (ppl, mean nll, scored tokens)."""
    model.eval()
    n_chunk = len(ids) // n_ctx
    if max_chunks > 0:
        n_chunk = min(n_chunk, max_chunks)
    first = n_ctx // 2
    tot, cnt = 0.0, 0
    for c in range(n_chunk):
        x = torch.as_tensor(ids[c * n_ctx:(c + 1) * n_ctx], dtype=torch.long)[None]
        logits, _, _ = model(x)
        lp = logits[0].double().log_softmax(-1)
        tgt = x[0, first + 1:]
        nll = -lp[first:n_ctx - 1].gather(-1, tgt[:, None]).squeeze(-1)
        tot += nll.sum().item()
        cnt += nll.numel()
    return math.exp(tot / cnt), tot / cnt, cnt
