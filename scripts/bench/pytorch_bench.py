"""Times training steps of a tltc bench spec in PyTorch, for the side-by-side in `npm run bench`.

The model mirrors tltc's: pre-LN encoder, learned positions (offset 2), a LayerNorm on the
embeddings, GELU, dropout on the embeddings, attention probabilities, attention output and FFN output, an MLM head on the masked
positions only (dense, GELU, LayerNorm, decoder tied to the word embeddings), AdamW and gradient
clipping at norm 1. Prints one JSON line.

Usage: python3 scripts/bench/pytorch_bench.py SPEC.json [--seconds N]
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn


class Layer(nn.Module):
    def __init__(self, d, heads, ff, dropout):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-5), nn.LayerNorm(d, eps=1e-5)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ff1, self.ff2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x):
        b, t, d = x.shape
        hs = d // self.heads
        h = self.ln1(x)
        split = lambda y: y.view(b, t, self.heads, hs).transpose(1, 2)
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        probs = F.dropout(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hs), -1), self.dropout, self.training)
        attn = (probs @ v).transpose(1, 2).reshape(b, t, d)
        x = x + F.dropout(self.o(attn), self.dropout, self.training)
        return x + F.dropout(self.ff2(F.gelu(self.ff1(self.ln2(x)))), self.dropout, self.training)


class Mlm(nn.Module):
    def __init__(self, m):
        super().__init__()
        d = m["d_model"]
        self.dropout = m["dropout"]
        self.words = nn.Embedding(m["vocab_size"], d)
        self.positions = nn.Embedding(m["max_len"] + 2, d)
        self.embedding_ln = nn.LayerNorm(d, eps=1e-5)
        self.layers = nn.ModuleList(Layer(d, m["n_heads"], m["d_ff"], m["dropout"]) for _ in range(m["n_layers"]))
        self.ln = nn.LayerNorm(d, eps=1e-5)
        self.head_dense, self.head_ln = nn.Linear(d, d), nn.LayerNorm(d, eps=1e-5)
        self.head_bias = nn.Parameter(torch.zeros(m["vocab_size"]))

    def forward(self, ids, masked, labels):
        b, t = ids.shape
        pos = torch.arange(2, t + 2).unsqueeze(0)
        x = F.dropout(self.embedding_ln(self.words(ids) + self.positions(pos)), self.dropout, self.training)
        for layer in self.layers:
            x = layer(x)
        rows = self.ln(x).reshape(b * t, -1)[masked]
        h = self.head_ln(F.gelu(self.head_dense(rows)))
        return F.cross_entropy(h @ self.words.weight.T + self.head_bias, labels)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spec")
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    spec = json.load(open(args.spec))
    m, bt, o = spec["model"], spec["batch"], spec["optimizer"]
    torch.set_num_threads(spec.get("threads", 2))
    torch.manual_seed(0)
    b, t = bt["batch_size"], bt["seq_len"]
    per_seq = max(1, math.floor(bt["mask_prob"] * (t - 2) + 0.5))  # as tltc's maskedPerSequence
    model = Mlm(m)
    opt = torch.optim.AdamW(model.parameters(), lr=o["lr"], betas=tuple(o["betas"]), eps=o["eps"], weight_decay=o["weight_decay"])
    ids = torch.randint(5, m["vocab_size"], (b, t))
    masked = torch.tensor([s * t + 1 + j * ((t - 2) // per_seq) for s in range(b) for j in range(per_seq)])
    labels = torch.randint(5, m["vocab_size"], (len(masked),))

    def step():
        opt.zero_grad(set_to_none=True)
        model(ids, masked, labels).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(2):
        step()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < args.seconds or len(times) < 3:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    step_s = statistics.median(times)
    print(json.dumps({"name": spec["name"], "tokens_per_s": b * t / step_s, "step_ms": 1000 * step_s, "steps": len(times), "threads": torch.get_num_threads(), "torch": torch.__version__, "blas": "OpenBLAS" if "openblas" in torch.__config__.show().lower() else "other"}))


if __name__ == "__main__":
    main()
