package io.github.moe4j.gguf;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * One parsed and validated GGUF file (a whole model, or one shard of a split model): header,
 * metadata, tensor index and the data section, all over one {@link MemorySegment} that is never
 * copied. Parsing reads only the header; its cost does not depend on the size of the tensor data.
 *
 * <p>The file is untrusted: every problem is a {@link GgufFormatException} naming the file, the
 * byte offset and what is wrong.
 */
public final class GgufFile {
    /** "GGUF" read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    public static final int MAX_DIMS = 4;
    /** Deepest nesting of arrays inside arrays that a file may use. */
    static final int MAX_ARRAY_DEPTH = 8;
    /** Most strings (or nested arrays) one metadata array may hold. */
    static final long MAX_ARRAY_OBJECTS = 1L << 24;
    static final int MAX_NAME_BYTES = 4096;

    private final Path path;
    private final MemorySegment segment;
    private final int version;
    private final GgufMetadata metadata;
    private final List<TensorInfo> tensors;
    private final long dataOffset;
    private final int alignment;

    private GgufFile(Path path, MemorySegment segment, int version, GgufMetadata metadata,
                     List<TensorInfo> tensors, long dataOffset, int alignment) {
        this.path = path;
        this.segment = segment;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataOffset = dataOffset;
        this.alignment = alignment;
    }

    /**
     * Parses and validates a GGUF image.
     *
     * @param path    the file name used in messages (may be {@code null} for in-memory images)
     * @param segment the whole file; tensor data stays in it
     */
    public static GgufFile parse(Path path, MemorySegment segment) {
        GgufCursor c = new GgufCursor(path, segment);

        // ---- header ----
        int magic = c.i32("magic");
        if (magic != MAGIC) {
            throw c.error(0, String.format("not a GGUF file: magic is 0x%08x, expected 0x%08x (\"GGUF\")", magic, MAGIC));
        }
        long rawVersion = c.u32("version");
        if (rawVersion == 0x02000000L || rawVersion == 0x03000000L) {
            throw c.error(4, "big-endian GGUF files are not supported");
        }
        if (rawVersion != 2 && rawVersion != 3) {
            throw c.error(4, "unsupported GGUF version " + rawVersion + " (supported: 2 and 3)");
        }
        int version = (int) rawVersion;
        long tensorCount = c.count("tensor count");
        long kvCount = c.count("metadata key/value count");
        if (kvCount > c.remaining() / (8 + 4 + 1)) {
            throw c.error(16, "file truncated or corrupt: metadata key/value count " + kvCount
                    + " cannot fit in the " + c.remaining() + " bytes left in the file");
        }

        // ---- metadata ----
        LinkedHashMap<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long keyAt = c.position();
            String key = c.string("metadata key #" + i);
            if (key.isEmpty()) {
                throw c.error(keyAt, "metadata key #" + i + " is empty");
            }
            long typeAt = c.position();
            GgufValueType type = valueType(c, c.u32("type of metadata '" + key + "'"), typeAt, key);
            GgufValue value = readValue(c, type, key, 0);
            if (kv.putIfAbsent(key, value) != null) {
                throw c.error(keyAt, "duplicate metadata key '" + key + "'");
            }
        }
        GgufMetadata metadata = new GgufMetadata(path, kv);
        int alignment = alignmentOf(c, metadata);

        // ---- tensor infos ----
        long minInfo = 8 + 1 + 4 + 8 + 4 + 8;
        if (tensorCount > c.remaining() / minInfo) {
            throw c.error(8, "file truncated or corrupt: tensor count " + tensorCount + " cannot fit in the "
                    + c.remaining() + " bytes left in the file");
        }
        List<long[]> raw = new ArrayList<>();
        List<TensorInfo> infos = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            long infoAt = c.position();
            String name = c.string("name of tensor #" + i);
            if (name.isEmpty()) {
                throw c.error(infoAt, "tensor #" + i + " has an empty name");
            }
            if (name.length() > MAX_NAME_BYTES) {
                throw c.error(infoAt, "tensor #" + i + " name is longer than " + MAX_NAME_BYTES + " bytes");
            }
            if (!names.add(name)) {
                throw c.error(infoAt, "duplicate tensor name '" + name + "'");
            }
            long dimsAt = c.position();
            long nDims = c.u32("dimension count of tensor '" + name + "'");
            if (nDims == 0 || nDims > MAX_DIMS) {
                throw c.error(dimsAt, "tensor '" + name + "' has " + nDims + " dimensions (must be 1 to " + MAX_DIMS + ")");
            }
            long[] ne = new long[(int) nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long at = c.position();
                ne[d] = c.i64("dimension " + d + " of tensor '" + name + "'");
                if (ne[d] <= 0) {
                    throw c.error(at, "tensor '" + name + "' dimension " + d + " is "
                            + Long.toUnsignedString(ne[d]) + " (must be between 1 and 2^63-1)");
                }
                try {
                    elements = Math.multiplyExact(elements, ne[d]);
                } catch (ArithmeticException e) {
                    throw c.error(at, "tensor '" + name + "' shape " + Arrays.toString(Arrays.copyOf(ne, d + 1))
                            + " overflows the element count");
                }
            }
            long typeAt = c.position();
            long typeId = c.u32("type of tensor '" + name + "'");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw c.error(typeAt, "tensor '" + name + "' has unknown ggml type id " + typeId);
            }
            if (ne[0] % type.blockSize() != 0) {
                throw c.error(dimsAt, "tensor '" + name + "' row length " + ne[0] + " is not a multiple of the "
                        + type + " block size " + type.blockSize());
            }
            long byteSize;
            try {
                byteSize = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw c.error(dimsAt, "tensor '" + name + "' of " + elements + " " + type + " elements overflows the byte size");
            }
            long offAt = c.position();
            long offset = c.count("data offset of tensor '" + name + "'");
            if (offset % alignment != 0) {
                throw c.error(offAt, "tensor '" + name + "' data offset " + offset + " is not a multiple of the alignment "
                        + alignment);
            }
            raw.add(new long[]{offset, byteSize, infoAt, offAt});
            infos.add(new TensorInfo(name, type, ne, offset, -1, byteSize, infoAt));
        }

        // ---- data section ----
        long dataOffset = alignUp(c.position(), alignment);
        long fileSize = c.size();
        if (!infos.isEmpty() && dataOffset > fileSize) {
            throw c.error(c.position(), "file truncated: the data section should start at byte " + dataOffset
                    + " but the file has " + fileSize + " bytes");
        }
        List<TensorInfo> out = new ArrayList<>(infos.size());
        for (int i = 0; i < infos.size(); i++) {
            TensorInfo t = infos.get(i);
            long[] r = raw.get(i);
            long start = dataOffset + r[0];
            if (start < 0 || r[0] > fileSize - dataOffset || r[1] > fileSize - start) {
                throw c.error(r[3], "tensor '" + t.name() + "' data [" + r[0] + ", +" + r[1]
                        + ") relative to the data section at " + dataOffset + " runs past the end of the file ("
                        + fileSize + " bytes)");
            }
            out.add(new TensorInfo(t.name(), t.type(), t.ne(), r[0], start, r[1], t.infoOffset()));
        }
        checkOverlaps(c, out);
        return new GgufFile(path, segment, version, metadata, List.copyOf(out), dataOffset, alignment);
    }

    private static GgufValueType valueType(GgufCursor c, long id, long at, String key) {
        GgufValueType t = GgufValueType.byId(id);
        if (t == null) {
            throw c.error(at, "metadata '" + key + "' has unknown value type " + id);
        }
        return t;
    }

    private static GgufValue readValue(GgufCursor c, GgufValueType type, String key, int depth) {
        long at = c.position();
        String what = "value of metadata '" + key + "'";
        Object v = switch (type) {
            case UINT8 -> (long) c.u8(what);
            case INT8 -> (long) c.i8(what);
            case UINT16 -> (long) c.u16(what);
            case INT16 -> (long) c.i16(what);
            case UINT32 -> c.u32(what);
            case INT32 -> (long) c.i32(what);
            case UINT64, INT64 -> c.i64(what);
            case FLOAT32 -> c.f32(what);
            case FLOAT64 -> c.f64(what);
            case BOOL -> {
                int b = c.u8(what);
                if (b > 1) {
                    throw c.error(at, "metadata '" + key + "' is a BOOL with byte value " + b + " (must be 0 or 1)");
                }
                yield b == 1;
            }
            case STRING -> c.string(what);
            case ARRAY -> readArray(c, key, depth);
        };
        return new GgufValue(type, v, at);
    }

    private static GgufArray readArray(GgufCursor c, String key, int depth) {
        if (depth >= MAX_ARRAY_DEPTH) {
            throw c.error(c.position(), "metadata '" + key + "' nests arrays deeper than " + MAX_ARRAY_DEPTH + " levels");
        }
        long typeAt = c.position();
        GgufValueType et = valueType(c, c.u32("element type of array '" + key + "'"), typeAt, key);
        long countAt = c.position();
        long n = c.count("length of array '" + key + "'");
        if (n > c.remaining() / Math.max(1, et.minEncodedSize())) {
            throw c.error(countAt, "file truncated or corrupt: array '" + key + "' claims " + n + " " + et
                    + " elements, more than the " + c.remaining() + " bytes left in the file can hold");
        }
        if (et.isFixedSize()) {
            if (n > Integer.MAX_VALUE / 8) {
                throw c.error(countAt, "array '" + key + "' has " + n + " elements, more than supported");
            }
            MemorySegment data = c.slice(n * et.size(), "array '" + key + "'");
            if (et == GgufValueType.BOOL) {
                for (long i = 0; i < n; i++) {
                    byte b = data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
                    if (b != 0 && b != 1) {
                        throw c.error(countAt + 8 + i, "array '" + key + "' element " + i + " is a BOOL with byte value "
                                + Byte.toUnsignedInt(b));
                    }
                }
            }
            return GgufArray.ofFixed(et, (int) n, data);
        }
        if (n > MAX_ARRAY_OBJECTS) {
            throw c.error(countAt, "array '" + key + "' has " + n + " " + et + " elements, more than the limit of "
                    + MAX_ARRAY_OBJECTS);
        }
        if (et == GgufValueType.STRING) {
            List<String> list = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                list.add(c.arrayString(key, i));
            }
            return GgufArray.ofStrings(list);
        }
        List<GgufArray> list = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            list.add(readArray(c, key, depth + 1));
        }
        return GgufArray.ofArrays(list);
    }

    private static int alignmentOf(GgufCursor c, GgufMetadata md) {
        GgufValue v = md.asMap().get(GgufMetadata.ALIGNMENT);
        if (v == null) {
            return GgufMetadata.DEFAULT_ALIGNMENT;
        }
        if (v.type() != GgufValueType.UINT32) {
            throw c.error(v.offset(), GgufMetadata.ALIGNMENT + " must be a UINT32, but it is " + v.type());
        }
        long a = (Long) v.value();
        if (a == 0 || Long.bitCount(a) != 1 || a > (1L << 30)) {
            throw c.error(v.offset(), GgufMetadata.ALIGNMENT + " is " + a + " (must be a power of two up to 2^30)");
        }
        return (int) a;
    }

    private static void checkOverlaps(GgufCursor c, List<TensorInfo> tensors) {
        TensorInfo[] sorted = tensors.toArray(TensorInfo[]::new);
        Arrays.sort(sorted, Comparator.comparingLong(TensorInfo::fileOffset));
        for (int i = 1; i < sorted.length; i++) {
            TensorInfo prev = sorted[i - 1];
            TensorInfo cur = sorted[i];
            if (cur.fileOffset() < prev.fileOffset() + prev.byteSize()) {
                throw c.error(cur.infoOffset(), "tensor '" + cur.name() + "' data at " + cur.fileOffset()
                        + " overlaps tensor '" + prev.name() + "' [" + prev.fileOffset() + ", "
                        + (prev.fileOffset() + prev.byteSize()) + ")");
            }
        }
    }

    static long alignUp(long x, long alignment) {
        long r = x % alignment;
        return r == 0 ? x : x + (alignment - r);
    }

    // ---- accessors ----

    public Path path() {
        return path;
    }

    /** The whole file. */
    public MemorySegment segment() {
        return segment;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** Tensor infos in file order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** Absolute offset of the data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public int alignment() {
        return alignment;
    }

    public long byteSize() {
        return segment.byteSize();
    }

    /** The bytes of one tensor of this file: a slice of the mapping, not a copy. */
    public MemorySegment data(TensorInfo t) {
        return segment.asSlice(t.fileOffset(), t.byteSize());
    }
}
