"""The one safetensors writer shared by the golden-file scripts beside this file (no dependency beyond torch).

Format: an 8-byte little-endian header length, a JSON header mapping each tensor name to dtype, shape and byte
offsets plus a "__metadata__" map of strings, then the raw data. Tensors are stored as F64 so the C# tests can
compare their float runs to 1e-5 and their double runs to 1e-10 of the reference.
"""
import json
import struct

import torch


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float64).numpy().tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)  # the format allows trailing spaces; aligned data is friendlier to mmap
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
