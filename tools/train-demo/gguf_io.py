"""Minimal GGUF v3 reader/writer (little-endian), enough for the demo model export."""
import struct
import numpy as np

GGUF_MAGIC = b"GGUF"
ALIGN = 32
# metadata value types
T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY, T_UINT64, T_INT64, T_FLOAT64 = range(13)
_SCALAR = {T_UINT8: "<B", T_INT8: "<b", T_UINT16: "<H", T_INT16: "<h", T_UINT32: "<I", T_INT32: "<i",
           T_FLOAT32: "<f", T_BOOL: "<?", T_UINT64: "<Q", T_INT64: "<q", T_FLOAT64: "<d"}
# tensor types
GGML_F32, GGML_F16 = 0, 1


def _read_str(b, o):
    n, = struct.unpack_from("<Q", b, o)
    o += 8
    return b[o:o + n].decode("utf-8"), o + n


def _read_val(b, o, t):
    if t == T_STRING:
        return _read_str(b, o)
    if t == T_ARRAY:
        et, n = struct.unpack_from("<IQ", b, o)
        o += 12
        out = []
        for _ in range(n):
            v, o = _read_val(b, o, et)
            out.append(v)
        return (et, out), o
    fmt = _SCALAR[t]
    v, = struct.unpack_from(fmt, b, o)
    return v, o + struct.calcsize(fmt)


def read(path):
    """Returns (kv: dict name -> (type, value), tensors: list of (name, ne, type, offset), data_start, bytes)."""
    b = open(path, "rb").read()
    assert b[:4] == GGUF_MAGIC
    ver, nt, nkv = struct.unpack_from("<IQQ", b, 4)
    o = 24
    kv = {}
    for _ in range(nkv):
        k, o = _read_str(b, o)
        t, = struct.unpack_from("<I", b, o)
        o += 4
        v, o = _read_val(b, o, t)
        kv[k] = (t, v)
    tensors = []
    for _ in range(nt):
        name, o = _read_str(b, o)
        nd, = struct.unpack_from("<I", b, o)
        o += 4
        ne = list(struct.unpack_from("<%dQ" % nd, b, o))
        o += 8 * nd
        tt, off = struct.unpack_from("<IQ", b, o)
        o += 12
        tensors.append((name, ne, tt, off))
    align = kv.get("general.alignment", (T_UINT32, ALIGN))[1]
    data_start = (o + align - 1) // align * align
    return kv, tensors, data_start, b


def _w_str(s):
    e = s.encode("utf-8")
    return struct.pack("<Q", len(e)) + e


def _w_val(t, v):
    if t == T_STRING:
        return _w_str(v)
    if t == T_ARRAY:
        et, items = v
        out = [struct.pack("<IQ", et, len(items))]
        for it in items:
            out.append(_w_val(et, it))
        return b"".join(out)
    return struct.pack(_SCALAR[t], v)


def write(path, kv, tensors):
    """kv: list of (key, type, value); tensors: list of (name, np.ndarray) in torch (row-major) order.
    ggml's ne is the numpy shape reversed. float16 arrays are stored F16, float32 F32."""
    head = [GGUF_MAGIC, struct.pack("<IQQ", 3, len(tensors), len(kv))]
    for k, t, v in kv:
        head.append(_w_str(k) + struct.pack("<I", t) + _w_val(t, v))
    off = 0
    blobs = []
    for name, arr in tensors:
        arr = np.ascontiguousarray(arr)
        if arr.dtype == np.float16:
            tt = GGML_F16
        elif arr.dtype == np.float32:
            tt = GGML_F32
        else:
            raise ValueError(name + ": unsupported dtype " + str(arr.dtype))
        ne = list(reversed(arr.shape))
        head.append(_w_str(name) + struct.pack("<I", len(ne)) + struct.pack("<%dQ" % len(ne), *ne)
                    + struct.pack("<IQ", tt, off))
        data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        blobs.append((off, data))
        off = (off + len(data) + ALIGN - 1) // ALIGN * ALIGN
    with open(path, "wb") as f:
        h = b"".join(head)
        f.write(h)
        pad = (-len(h)) % ALIGN
        f.write(b"\0" * pad)
        pos = 0
        for o, data in blobs:
            f.write(b"\0" * (o - pos))
            f.write(data)
            pos = o + len(data)
        f.write(b"\0" * ((-pos) % ALIGN))


if __name__ == "__main__":
    import sys
    kv, ts, ds, _ = read(sys.argv[1])
    for k, (t, v) in kv.items():
        if t == T_ARRAY:
            print(k, "array", v[0], len(v[1]), v[1][:8])
        else:
            print(k, t, repr(v)[:100])
    for t in ts[:5]:
        print(t)
