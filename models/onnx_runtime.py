"""Serve a fine-tuned transformer with ONNX Runtime: export, int8 quantisation, fast batched logits.

PyTorch eager mode on two CPU cores spends much of its time in Python and in
padding. The tuned encoder, its mean pooling and the theme head are exported as
one ONNX graph (input ids and attention mask in, one logit per theme out), which
ONNX Runtime runs with fused kernels on every core. Dynamic int8 quantisation
(weights stored as int8, activations quantised on the fly) shrinks it about
fourfold and speeds the matrix products; whether it may be used is decided on
theme decisions, not on vectors (see `training/runtime_check.py`).

Texts are tokenised once with the fast tokenizer and run one note per call on a
pool of threads (see `OnnxLogits` for why not in padded batches).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

OPSET = 17
RUNTIMES = ("torch", "onnx-fp32", "onnx-int8")


class _Scorer(torch.nn.Module):
    """Encoder, masked mean pooling and head as one module, for export."""

    def __init__(self, encoder: PreTrainedModel, head: torch.nn.Linear) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        logits: torch.Tensor = self.head(pooled)
        return logits


def export_onnx(
    encoder: PreTrainedModel, head: torch.nn.Linear, tokenizer: PreTrainedTokenizerBase
) -> bytes:
    """The encoder, pooling and head as an fp32 ONNX graph (batch and length dynamic)."""
    scorer = _Scorer(encoder, head).eval()
    sample = tokenizer(["a short note", "a slightly longer note to trace"], padding=True)
    ids = torch.tensor(sample["input_ids"])
    mask = torch.tensor(sample["attention_mask"])
    with tempfile.TemporaryDirectory() as tmp, torch.no_grad(), warnings.catch_warnings():
        # Tracing warns about every shape-dependent branch in the encoder (the graph
        # is checked against PyTorch in the tests), and the TorchScript exporter is
        # deprecated in favour of torch.export, which needs onnxscript and gives no
        # better graph for a BERT encoder; torch is pinned below 2.15.
        warnings.simplefilter("ignore")
        target = Path(tmp) / "model.onnx"
        torch.onnx.export(
            scorer,
            (ids, mask),
            target,
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "logits": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
        return target.read_bytes()


def quantize_int8(model: bytes) -> bytes:
    """Dynamic int8 quantisation of the embeddings and weight products (ONNX Runtime's).

    Per-channel weight scales; left in fp32 are the products of two activations
    (attention scores and their use) and the feed-forward down projections, whose
    inputs (GELU outputs) have outliers that one int8 scale per note flattens: with
    them quantised, decisions agreed with fp32 on 99.0% of (note, theme) pairs
    here, without them on 99.9% (see `training/runtime_check.py`).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load_from_string(model).graph
    keep_fp32 = _unquantised_products(graph)
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        source.write_bytes(model)
        quantize_dynamic(
            source,
            target,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Gather"],
            nodes_to_exclude=keep_fp32,
        )
        return target.read_bytes()


def _unquantised_products(graph: Any) -> list[str]:
    """MatMul nodes with no weight matrix, or whose weight narrows (in > out features)."""
    shapes = {init.name: tuple(init.dims) for init in graph.initializer}
    names = []
    for node in graph.node:
        if node.op_type != "MatMul":
            continue
        weights = [shapes[i] for i in node.input if i in shapes and len(shapes[i]) == 2]
        if not weights or weights[0][0] > weights[0][1]:
            names.append(node.name)
    return names


class OnnxLogits:
    """Per-theme logits for texts from an ONNX graph, in input order.

    Each note is run on its own: dynamic quantisation scales activations over the
    whole input tensor, so in a batch a note's scores would depend on its
    neighbours (by up to 0.3 in probability here); alone, a note always gets the
    same answer, whichever request it came in. Notes run in parallel on a pool of
    `threads` workers sharing one session (one thread each), which on two cores
    is as fast as length-sorted batches and carries no padding at all.

    A lone note (the usual `/v1/classify` call) would leave all but one core
    idle, so it goes to a second session of the same graph whose matrix products
    are split over every core: on two cores 1.6x as fast for one note (5.0
    against 8.0 ms), for about 45 MB more memory (`bench/classify.py` prints the
    speed of both; a note's scores are bit-identical either way).
    """

    def __init__(
        self,
        model: bytes | Path,
        tokenizer: PreTrainedTokenizerBase,
        *,
        max_length: int,
        threads: int = 0,
    ) -> None:
        source = str(model) if isinstance(model, Path) else model
        self.threads = threads or os.cpu_count() or 1
        self.session = _session(source, threads=1)
        self.alone = _session(source, threads=self.threads) if self.threads > 1 else self.session
        self.tokenizer = tokenizer
        self.max_length = max_length
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="onnx")

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        ids: list[list[int]] = encoded["input_ids"]
        if len(ids) == 1:
            return _logits(self.alone, ids[0]).astype(np.float32)
        rows = self._pool.map(lambda one: _logits(self.session, one), ids)
        return np.vstack(list(rows)).astype(np.float32)


def _session(source: str | bytes, *, threads: int) -> ort.InferenceSession:
    """A CPU session whose matrix products use `threads` threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])


def _logits(session: ort.InferenceSession, ids: list[int]) -> np.ndarray:
    """One note's logits, shape (1, themes)."""
    row = np.asarray([ids], dtype=np.int64)
    inputs = {"input_ids": row, "attention_mask": np.ones_like(row)}
    logits: np.ndarray = session.run(None, inputs)[0]
    return logits
