"""Reference Hugging Face encoders in plain PyTorch, for tltc's interop tests.

The modules carry the attribute names of `transformers`' RobertaFor*, RobertaPreLayerNormFor*
and BertFor* classes, so a state dict loads here only if its names and shapes are the ones those
classes hold; the forward pass follows their computation (embedding LayerNorm, post- or pre-LN
layers, exact GELU, RoBERTa positions from padding_idx + 1, additive attention mask).

  python3 hf_encoder.py run DIR IDS.json MASK.json OUT.json   # logits of a HF folder
  python3 hf_encoder.py make DIR SEED [F32|F16|BF16]            # random weights for DIR/config.json
"""
import json
import math
import struct
import sys

import torch
from torch import nn
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        buf = bytearray(raw[8 + n + begin : 8 + n + end])
        out[name] = torch.frombuffer(buf, dtype=DTYPES[e["dtype"]]).reshape(e["shape"]).float()
    return out


def write_safetensors(path, tensors, dtype="F32"):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().to(DTYPES[dtype])
        data = t.view(torch.int16).numpy().tobytes() if dtype != "F32" else t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], d)
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], d)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], d)
        self.LayerNorm = nn.LayerNorm(d, eps=c["layer_norm_eps"])


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden_size"]
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)


class SelfOutput(nn.Module):
    def __init__(self, c, post):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        if post:
            self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])


class Attention(nn.Module):
    def __init__(self, c, post):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = SelfOutput(c, post)
        if not post:
            self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])


class Intermediate(nn.Module):
    def __init__(self, c, post):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])
        if not post:
            self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])


class Output(nn.Module):
    def __init__(self, c, post):
        super().__init__()
        self.dense = nn.Linear(c["intermediate_size"], c["hidden_size"])
        if post:
            self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])


class Layer(nn.Module):
    def __init__(self, c, post):
        super().__init__()
        self.attention, self.intermediate, self.output = Attention(c, post), Intermediate(c, post), Output(c, post)


class Encoder(nn.Module):
    def __init__(self, c, post):
        super().__init__()
        self.layer = nn.ModuleList(Layer(c, post) for _ in range(c["num_hidden_layers"]))


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])


class Base(nn.Module):
    def __init__(self, c, pooler):
        super().__init__()
        self.c = c
        self.post = c["model_type"] != "roberta-prelayernorm"
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c, self.post)
        if not self.post:
            self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        if pooler:
            self.pooler = Pooler(c)

    def forward(self, ids, mask):
        c, e = self.c, self.embeddings
        if c["model_type"] == "bert":
            pos = torch.arange(ids.shape[1]).expand_as(ids)
        else:
            pad = c["pad_token_id"]
            keep = ids.ne(pad).long()
            pos = torch.cumsum(keep, 1) * keep + pad
        x = e.word_embeddings(ids) + e.token_type_embeddings(torch.zeros_like(ids)) + e.position_embeddings(pos)
        x = e.LayerNorm(x)
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        heads = c["num_attention_heads"]
        for layer in self.encoder.layer:
            a = layer.attention
            h = x if self.post else a.LayerNorm(x)
            b, t, d = h.shape
            split = lambda y: y.view(b, t, heads, d // heads).permute(0, 2, 1, 3)
            q, k, v = split(a.self.query(h)), split(a.self.key(h)), split(a.self.value(h))
            probs = F.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // heads) + bias, -1)
            ctx = (probs @ v).permute(0, 2, 1, 3).reshape(b, t, d)
            x = a.output.dense(ctx) + x
            if self.post:
                x = a.output.LayerNorm(x)
            f = layer.intermediate
            inner = F.gelu(f.dense(x if self.post else f.LayerNorm(x)))
            x = layer.output.dense(inner) + x
            if self.post:
                x = layer.output.LayerNorm(x)
        return x if self.post else self.LayerNorm(x)


class RobertaLMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden_size"]
        self.dense = nn.Linear(d, d)
        self.layer_norm = nn.LayerNorm(d, eps=c["layer_norm_eps"])
        self.decoder = nn.Linear(d, c["vocab_size"])
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))


class RobertaClassificationHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.out_proj = nn.Linear(c["hidden_size"], len(c["id2label"]))


class BertTransform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])


class BertPredictions(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = BertTransform(c)
        self.decoder = nn.Linear(c["hidden_size"], c["vocab_size"])
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = BertPredictions(c)


BASE_ATTR = {"roberta": "roberta", "roberta-prelayernorm": "roberta_prelayernorm", "bert": "bert"}
# Tied to the word embeddings and the head bias; transformers leaves them out of saved files.
TIED = {"lm_head.decoder.weight", "lm_head.decoder.bias", "cls.predictions.decoder.weight", "cls.predictions.decoder.bias"}


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.head = "classifier" if any(a.endswith("ForSequenceClassification") for a in c["architectures"]) else "mlm"
        bert = c["model_type"] == "bert"
        self.base_attr = BASE_ATTR[c["model_type"]]
        setattr(self, self.base_attr, Base(c, pooler=bert and self.head == "classifier"))
        if self.head == "classifier":
            self.classifier = nn.Linear(c["hidden_size"], len(c["id2label"])) if bert else RobertaClassificationHead(c)
        elif bert:
            self.cls = BertOnlyMLMHead(c)
        else:
            self.lm_head = RobertaLMHead(c)

    def forward(self, ids, mask):
        base = getattr(self, self.base_attr)
        x = base(ids, mask)
        if self.head == "classifier":
            first = x[:, 0]
            if self.c["model_type"] == "bert":
                return self.classifier(torch.tanh(base.pooler.dense(first)))
            return self.classifier.out_proj(torch.tanh(self.classifier.dense(first)))
        words = base.embeddings.word_embeddings.weight
        if self.c["model_type"] == "bert":
            t = self.cls.predictions
            return t.transform.LayerNorm(F.gelu(t.transform.dense(x))) @ words.T + t.bias
        h = self.lm_head
        return h.layer_norm(F.gelu(h.dense(x))) @ words.T + h.bias


def load(folder):
    c = json.load(open(f"{folder}/config.json"))
    model = Model(c).eval()
    state = read_safetensors(f"{folder}/model.safetensors")
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if k not in TIED]
    if missing or unexpected:
        raise SystemExit(f"state dict does not fit {c['architectures'][0]}: missing {missing}, unexpected {unexpected}")
    return model


def run(folder, ids_file, mask_file, out_file):
    model = load(folder)
    ids = torch.tensor(json.load(open(ids_file)), dtype=torch.long)
    mask = torch.tensor(json.load(open(mask_file)), dtype=torch.long)
    with torch.no_grad():
        logits = model(ids, mask)
    json.dump({"shape": list(logits.shape), "logits": logits.flatten().tolist()}, open(out_file, "w"))


def make(folder, seed, dtype="F32"):
    """model.safetensors of a random model as DIR/config.json describes, its norms and biases away from 1 and 0."""
    torch.manual_seed(int(seed))
    c = json.load(open(f"{folder}/config.json"))
    model = Model(c)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn_like(p) * (0.3 if p.dim() == 1 else 0.1) + (1.0 if name.endswith("LayerNorm.weight") or name.endswith("layer_norm.weight") else 0.0))
    state = {k: v for k, v in model.state_dict().items() if k not in TIED}
    write_safetensors(f"{folder}/model.safetensors", state, dtype)


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {"run": run, "make": make}[cmd](*args)
