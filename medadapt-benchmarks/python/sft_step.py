#!/usr/bin/env python3
"""PyTorch eager peer of TrainBenchmark: tokens/s of one LoRA SFT optimizer step on a small Qwen2.

The same math as MedAdapt's LoraTrainer: a frozen float32 Qwen2 (Hugging Face modeling_qwen2.py, eager attention
with repeat_kv, q/k/v biases, RoPE, SwiGLU, untied lm_head), LoRA on the 7 projections
(y = base(x) + scaling * B(A(dropout(x))), PEFT's init, rsLoRA scaling alpha/sqrt(r)), completion-only causal-LM
cross-entropy (prompt labels -100, summed and divided by the supervised targets of the accumulation window, as
transformers >= 4.46), global-norm clipping at 1.0, torch.optim.AdamW over the LoRA factors only
(weight decay 0.01; none on biases/norms, and LoRA factors have neither).

One optimizer step = `accum` micro-batches of `batch` sequences of `seq` tokens, forward + backward each, then
clip + AdamW + zero_grad. Warm-up steps are excluded; the median step time is reported.

Last line of output (parsed by TrainBenchmark):
  RESULT tokens_per_s=<median> step_s=<median> steps=<n> threads=<t> torch=<version>

Run with Debian's torch: /usr/bin/python3 medadapt-benchmarks/python/sft_step.py --threads 2
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn.functional as F


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--intermediate", type=int, default=1376)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--prompt", type=int, default=64, help="leading tokens per sequence with label -100")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--accum", type=int, default=4)
    p.add_argument("--rank", type=int, default=16)
    p.add_argument("--alpha", type=float, default=32)
    p.add_argument("--dropout", type=float, default=0.05)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--max-grad-norm", type=float, default=1.0)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=4242)
    return p.parse_args()


class LoraLinear(torch.nn.Module):
    """PEFT lora.Linear: frozen base plus scaling * B(A(dropout(x)))."""

    def __init__(self, out_f, in_f, bias, rank, alpha, dropout):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(out_f, in_f).uniform_(-0.02, 0.02), requires_grad=False)
        self.bias = torch.nn.Parameter(torch.empty(out_f).uniform_(-0.02, 0.02), requires_grad=False) if bias else None
        self.lora_A = torch.nn.Parameter(torch.empty(rank, in_f))
        torch.nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))  # PEFT reset_lora_parameters
        self.lora_B = torch.nn.Parameter(torch.zeros(out_f, rank))  # PEFT: B = 0 (dense kernels do the same work)
        self.drop = torch.nn.Dropout(dropout)
        self.scaling = alpha / math.sqrt(rank)  # rsLoRA

    def forward(self, x):
        y = F.linear(x, self.weight, self.bias)
        return y + F.linear(F.linear(self.drop(x), self.lora_A), self.lora_B) * self.scaling


class RMSNorm(torch.nn.Module):
    def __init__(self, h, eps=1e-6):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(h), requires_grad=False)
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def repeat_kv(x, n):
    if n == 1:
        return x
    b, kv, t, d = x.shape
    return x[:, :, None, :, :].expand(b, kv, n, t, d).reshape(b, kv * n, t, d)


class Layer(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        h, d = a.hidden, a.hidden // a.heads
        kv = a.kv_heads * d
        lo = dict(rank=a.rank, alpha=a.alpha, dropout=a.dropout)
        self.heads, self.kv_heads, self.d = a.heads, a.kv_heads, d
        self.input_layernorm = RMSNorm(h)
        self.post_attention_layernorm = RMSNorm(h)
        self.q_proj = LoraLinear(h, h, True, **lo)
        self.k_proj = LoraLinear(kv, h, True, **lo)
        self.v_proj = LoraLinear(kv, h, True, **lo)
        self.o_proj = LoraLinear(h, h, False, **lo)
        self.gate_proj = LoraLinear(a.intermediate, h, False, **lo)
        self.up_proj = LoraLinear(a.intermediate, h, False, **lo)
        self.down_proj = LoraLinear(h, a.intermediate, False, **lo)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        hs = self.input_layernorm(x)
        q = self.q_proj(hs).view(b, t, self.heads, self.d).transpose(1, 2)
        k = self.k_proj(hs).view(b, t, self.kv_heads, self.d).transpose(1, 2)
        v = self.v_proj(hs).view(b, t, self.kv_heads, self.d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        g = self.heads // self.kv_heads
        k = repeat_kv(k, g)
        v = repeat_kv(v, g)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.d) + mask
        attn = torch.matmul(F.softmax(scores, dim=-1, dtype=torch.float32), v)
        attn = attn.transpose(1, 2).reshape(b, t, -1)
        x = x + self.o_proj(attn)
        h2 = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h2)) * self.up_proj(h2))


class Qwen2Lora(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embed = torch.nn.Parameter(torch.empty(a.vocab, a.hidden).uniform_(-0.02, 0.02), requires_grad=False)
        self.layers = torch.nn.ModuleList([Layer(a) for _ in range(a.layers)])
        self.norm = RMSNorm(a.hidden)
        self.lm_head = torch.nn.Parameter(torch.empty(a.vocab, a.hidden).uniform_(-0.02, 0.02), requires_grad=False)
        d = a.hidden // a.heads
        self.inv_freq = 1.0 / (10000.0 ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))

    def forward(self, ids):
        b, t = ids.shape
        x = F.embedding(ids, self.embed)
        pos = torch.arange(t, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = torch.full((t, t), torch.finfo(torch.float32).min).triu(1)[None, None]
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return F.linear(self.norm(x), self.lm_head)


def main():
    a = parse()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = Qwen2Lora(a)
    params = [p for n, p in model.named_parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=a.weight_decay,
                            foreach=False)
    n_params = sum(p.numel() for p in params)
    gen = torch.Generator().manual_seed(a.seed)
    times = []
    loss_val = float("nan")
    for step in range(a.warmup + a.steps):
        batches = []
        targets = 0
        for _ in range(a.accum):
            ids = torch.randint(0, a.vocab, (a.batch, a.seq), generator=gen)
            labels = ids.clone()
            labels[:, : a.prompt] = -100
            targets += int((labels[:, 1:] != -100).sum())
            batches.append((ids, labels))
        model.train()
        t0 = time.perf_counter()
        loss_sum = 0.0
        ph = [0.0] * 4
        for ids, labels in batches:
            p0 = time.perf_counter()
            logits = model(ids)
            p1 = time.perf_counter()
            # transformers ForCausalLMLoss with num_items_in_batch: sum reduction, divided by the window's targets
            s = F.cross_entropy(logits[:, :-1, :].reshape(-1, a.vocab), labels[:, 1:].reshape(-1),
                                ignore_index=-100, reduction="sum")
            loss_sum += s.item()
            p2 = time.perf_counter()
            (s / targets).backward()
            p3 = time.perf_counter()
            ph[0] += p1 - p0
            ph[1] += p2 - p1
            ph[2] += p3 - p2
        p4 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, a.max_grad_norm)
        opt.step()
        opt.zero_grad(set_to_none=False)
        dt = time.perf_counter() - t0
        ph[3] = time.perf_counter() - p4
        loss_val = loss_sum / targets
        tokens = a.batch * a.seq * a.accum
        print(f"step {step + 1}{' (warm-up)' if step < a.warmup else ''}: {dt:.3f} s, {tokens / dt:.1f} tokens/s, "
              f"loss {loss_val:.4f} | forward {ph[0]:.3f} s, loss {ph[1]:.3f} s, backward {ph[2]:.3f} s, "
              f"clip+adamw+zero {ph[3]:.3f} s", flush=True)
        if step >= a.warmup:
            times.append(dt)
    med = statistics.median(times)
    tokens = a.batch * a.seq * a.accum
    print(f"trainable LoRA parameters: {n_params}")
    print(f"RESULT tokens_per_s={tokens / med:.2f} step_s={med:.4f} steps={len(times)} "
          f"threads={torch.get_num_threads()} torch={torch.__version__}", flush=True)


if __name__ == "__main__":
    main()
