"""Which number format fine-tuning computes in: bfloat16 where the CPU has it, else fp32.

A CPU with native bfloat16 dot products (AVX-512 BF16 or AMX) multiplies
bfloat16 matrices at about twice the rate of fp32 ones; fine-tuning MiniLM
under `torch.autocast` took 0.39x the time of fp32 per batch here (README,
`bench/finetune.py`). The weights, the optimiser's state and the loss stay in
fp32 (mixed precision: Micikevicius et al., "Mixed Precision Training", ICLR
2018), so only the products are rounded. A CPU without native bfloat16 would
emulate it, slower than fp32, so `auto` uses it only where the CPU says it has it.
Only training is affected: a saved model scores in fp32 or int8 as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

Precision = Literal["auto", "bf16", "fp32"]
PRECISIONS: tuple[str, ...] = get_args(Precision)
NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The first processor's feature flags (empty where /proc/cpuinfo is not there)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def resolve_precision(precision: str, flags: frozenset[str] | None = None) -> str:
    """`bf16` or `fp32`: `auto` becomes bf16 only on a CPU with native bfloat16."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}.")
    if precision != "auto":
        return precision
    flags = cpu_flags() if flags is None else flags
    return "bf16" if flags & NATIVE_BF16_FLAGS else "fp32"
