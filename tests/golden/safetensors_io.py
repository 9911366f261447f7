"""The one safetensors writer shared by the golden-file scripts beside this file (no dependency beyond torch).

Format: an 8-byte little-endian header length, a JSON header mapping each tensor name to dtype, shape and byte
offsets plus a "__metadata__" map of strings, then the raw data. Tensors are stored as F64 so the C# tests can
compare their float runs to 1e-5 and their double runs to 1e-10 of the reference.
"""
import json
import struct

import torch


def write_safetensors(path, tensors, metadata, dtypes=None):
    """dtypes: optional map of tensor name to "F32" (default "F64" for every tensor)."""
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        dtype = (dtypes or {}).get(name, "F64")
        data = t.detach().contiguous().to(torch.float32 if dtype == "F32" else torch.float64).numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)  # the format allows trailing spaces; aligned data is friendlier to mmap
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Returns ({name: float64 tensor}, metadata) for a file of F32/F64 tensors."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__", {})
    types = {"F32": torch.float32, "F64": torch.float64}
    tensors = {}
    for name, h in header.items():
        b, e = h["data_offsets"]
        data = bytearray(raw[8 + n + b:8 + n + e])
        t = torch.frombuffer(data, dtype=types[h["dtype"]]) if data else torch.zeros(0, dtype=types[h["dtype"]])
        tensors[name] = t.reshape(h["shape"]).to(torch.float64)
    return tensors, metadata
