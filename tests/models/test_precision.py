"""Fine-tuning's number format: bf16 only where asked, or where the CPU has it natively."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.precision import cpu_flags, resolve_precision


def test_auto_is_bf16_only_on_a_cpu_with_native_bfloat16() -> None:
    assert resolve_precision("auto", frozenset({"avx2", "avx512f", "avx512_bf16"})) == "bf16"
    assert resolve_precision("auto", frozenset({"avx512f", "amx_bf16"})) == "bf16"
    assert resolve_precision("auto", frozenset({"avx2", "avx512f", "avx512_vnni"})) == "fp32"
    assert resolve_precision("auto", frozenset()) == "fp32"


@pytest.mark.parametrize("asked", ["bf16", "fp32"])
def test_an_explicit_precision_is_kept_whatever_the_cpu(asked: str) -> None:
    assert resolve_precision(asked, frozenset()) == asked
    assert resolve_precision(asked, frozenset({"avx512_bf16"})) == asked


@pytest.mark.parametrize("asked", ["fp16", "BF16", ""])
def test_an_unknown_precision_is_a_clear_error(asked: str) -> None:
    with pytest.raises(ValueError, match="precision must be one of auto, bf16, fp32"):
        resolve_precision(asked)


def test_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 avx512_bf16\n\n"
        "processor\t: 1\nflags\t\t: fpu\n",
        encoding="utf-8",
    )
    assert cpu_flags(cpuinfo) == frozenset({"fpu", "avx2", "avx512_bf16"})
    assert cpu_flags(tmp_path / "missing") == frozenset()
