package io.github.moe4j.gguf;

import io.github.moe4j.tensor.GgmlType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes GGUF version 3 files: metadata of every value type, a tensor index and aligned tensor
 * data. Tensor bytes are streamed from a {@link TensorData} source one tensor at a time, so a
 * multi-gigabyte model never sits on the heap; {@link TensorData#ZEROS} leaves a hole, which gives
 * sparse files for tests and benchmarks.
 */
public final class GgufWriter {

    /** The bytes of one tensor, written on demand. */
    @FunctionalInterface
    public interface TensorData {
        /** Writes exactly the tensor's byte size to {@code out}. */
        void writeTo(WritableByteChannel out) throws IOException;

        /** All-zero data, written as a hole where the file system allows it. */
        TensorData ZEROS = out -> {
            throw new IllegalStateException("ZEROS is handled by the writer");
        };

        static TensorData of(byte[] bytes) {
            return of(MemorySegment.ofArray(bytes));
        }

        static TensorData of(MemorySegment segment) {
            return out -> {
                long chunk = 1 << 20;
                for (long off = 0; off < segment.byteSize(); off += chunk) {
                    ByteBuffer b = segment.asSlice(off, Math.min(chunk, segment.byteSize() - off)).asByteBuffer();
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
            };
        }
    }

    private record PendingTensor(String name, GgmlType type, long[] ne, long byteSize, TensorData data) {
    }

    private final LinkedHashMap<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    // ---- metadata ----

    /** Sets (or replaces) a metadata value. */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("empty metadata key");
        }
        if (key.equals(GgufMetadata.ALIGNMENT)) {
            checkAlignment(value);
        }
        metadata.put(key, GgufValue.of(value.type(), value.value()));
        return this;
    }

    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (type.isInteger() && value instanceof Number n && !(value instanceof Long)) {
            value = n.longValue();
        }
        return put(key, GgufValue.of(type, value));
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putUInt8(String key, int value) {
        return put(key, GgufValueType.UINT8, (long) value);
    }

    public GgufWriter putInt8(String key, int value) {
        return put(key, GgufValueType.INT8, (long) value);
    }

    public GgufWriter putUInt16(String key, int value) {
        return put(key, GgufValueType.UINT16, (long) value);
    }

    public GgufWriter putInt16(String key, int value) {
        return put(key, GgufValueType.INT16, (long) value);
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, (long) value);
    }

    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValueType.UINT64, value);
    }

    public GgufWriter putInt64(String key, long value) {
        return put(key, GgufValueType.INT64, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValueType.FLOAT64, value);
    }

    public GgufWriter putArray(String key, GgufArray value) {
        return put(key, GgufValueType.ARRAY, value);
    }

    public GgufWriter putStrings(String key, List<String> values) {
        return putArray(key, GgufArray.ofStrings(values));
    }

    /** Copies every key of {@code source} (e.g. to rewrite or split a model). */
    public GgufWriter putAll(GgufMetadata source) {
        for (Map.Entry<String, GgufValue> e : source.asMap().entrySet()) {
            put(e.getKey(), e.getValue());
        }
        return this;
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** Sets {@code general.alignment}: tensor data offsets are multiples of it. */
    public GgufWriter alignment(int alignment) {
        return putUInt32(GgufMetadata.ALIGNMENT, alignment);
    }

    private static void checkAlignment(GgufValue v) {
        if (v.type() != GgufValueType.UINT32) {
            throw new IllegalArgumentException(GgufMetadata.ALIGNMENT + " must be UINT32");
        }
        long a = (Long) v.value();
        if (a == 0 || Long.bitCount(a) != 1 || a > (1L << 30)) {
            throw new IllegalArgumentException(GgufMetadata.ALIGNMENT + " must be a power of two, got " + a);
        }
    }

    private int alignmentValue() {
        GgufValue v = metadata.get(GgufMetadata.ALIGNMENT);
        return v == null ? GgufMetadata.DEFAULT_ALIGNMENT : (int) (long) (Long) v.value();
    }

    // ---- tensors ----

    /** Adds a tensor; its data is taken from {@code data} when the file is written. */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, TensorData data) {
        Objects.requireNonNull(data, "data");
        if (name.isEmpty() || !tensorNames.add(name)) {
            throw new IllegalArgumentException("empty or duplicate tensor name '" + name + "'");
        }
        if (ne.length == 0 || ne.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException(name + ": " + ne.length + " dimensions");
        }
        long n = 1;
        for (long d : ne) {
            if (d <= 0) {
                throw new IllegalArgumentException(name + ": shape " + Arrays.toString(ne));
            }
            n = Math.multiplyExact(n, d);
        }
        if (ne[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": row length " + ne[0] + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        tensors.add(new PendingTensor(name, type, ne.clone(), type.byteSize(n), data));
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] ne, byte[] data) {
        return addTensor(name, type, ne, TensorData.of(data));
    }

    /** F32 tensor from floats. */
    public GgufWriter addTensor(String name, long[] ne, float[] values) {
        byte[] b = new byte[values.length * 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
        return addTensor(name, GgmlType.F32, ne, b);
    }

    // ---- output ----

    /** Writes the file (replacing any existing one). */
    public void write(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeTo(ch);
        }
    }

    /** The whole file as bytes (small models only). */
    public byte[] toBytes() {
        ByteArrayChannel ch = new ByteArrayChannel();
        try {
            writeTo(ch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ch.toByteArray();
    }

    private void writeTo(SeekableByteChannel ch) throws IOException {
        int alignment = alignmentValue();
        long[] offsets = new long[tensors.size()];
        long off = 0;
        for (int i = 0; i < tensors.size(); i++) {
            offsets[i] = off;
            off = GgufFile.alignUp(Math.addExact(off, tensors.get(i).byteSize()), alignment);
        }
        long dataSize = off;

        HeaderBuffer h = new HeaderBuffer();
        h.i32(GgufFile.MAGIC);
        h.i32(3);
        h.i64(tensors.size());
        h.i64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            h.string(e.getKey());
            h.i32(e.getValue().type().id());
            h.value(e.getValue().type(), e.getValue().value());
        }
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor t = tensors.get(i);
            h.string(t.name());
            h.i32(t.ne().length);
            for (long d : t.ne()) {
                h.i64(d);
            }
            h.i32(t.type().id());
            h.i64(offsets[i]);
        }
        long dataStart = GgufFile.alignUp(h.size(), alignment);
        ch.position(0);
        ByteBuffer header = h.buffer();
        while (header.hasRemaining()) {
            ch.write(header);
        }
        CountingChannel counter = new CountingChannel(ch);
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor t = tensors.get(i);
            if (t.data() == TensorData.ZEROS) {
                continue;
            }
            ch.position(dataStart + offsets[i]);
            counter.count = 0;
            t.data().writeTo(counter);
            if (counter.count != t.byteSize()) {
                throw new IllegalStateException("tensor '" + t.name() + "' wrote " + counter.count
                        + " bytes, expected " + t.byteSize());
            }
        }
        long total = dataStart + dataSize;
        if (!tensors.isEmpty() && ch.size() < total) {
            ch.position(total - 1);
            ch.write(ByteBuffer.wrap(new byte[1]));
        }
    }

    /** Little-endian serialization of the header into a growing heap buffer. */
    private static final class HeaderBuffer {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(long n) {
            if (buf.remaining() < n) {
                long want = Math.max((long) buf.capacity() * 2, buf.position() + n);
                if (want > Integer.MAX_VALUE - 16) {
                    throw new IllegalStateException("GGUF header larger than 2 GiB");
                }
                ByteBuffer bigger = ByteBuffer.allocate((int) want).order(ByteOrder.LITTLE_ENDIAN);
                bigger.put(buf.flip());
                buf = bigger;
            }
        }

        long size() {
            return buf.position();
        }

        ByteBuffer buffer() {
            return buf.duplicate().flip();
        }

        void i8(int v) {
            ensure(1);
            buf.put((byte) v);
        }

        void i16(int v) {
            ensure(2);
            buf.putShort((short) v);
        }

        void i32(int v) {
            ensure(4);
            buf.putInt(v);
        }

        void i64(long v) {
            ensure(8);
            buf.putLong(v);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            ensure(b.length);
            buf.put(b);
        }

        void value(GgufValueType type, Object v) {
            switch (type) {
                case UINT8, INT8 -> i8((int) (long) (Long) v);
                case UINT16, INT16 -> i16((int) (long) (Long) v);
                case UINT32, INT32 -> i32((int) (long) (Long) v);
                case UINT64, INT64 -> i64((Long) v);
                case FLOAT32 -> i32(Float.floatToRawIntBits((Float) v));
                case FLOAT64 -> i64(Double.doubleToRawLongBits((Double) v));
                case BOOL -> i8((Boolean) v ? 1 : 0);
                case STRING -> string((String) v);
                case ARRAY -> array((GgufArray) v);
            }
        }

        void array(GgufArray a) {
            i32(a.elementType().id());
            i64(a.length());
            switch (a.elementType()) {
                case STRING -> a.strings().forEach(this::string);
                case ARRAY -> a.arrays().forEach(this::array);
                default -> {
                    MemorySegment d = a.data();
                    ensure(d.byteSize());
                    buf.put(d.toArray(ValueLayout.JAVA_BYTE));
                }
            }
        }
    }

    /** Counts the bytes a {@link TensorData} writes. */
    private static final class CountingChannel implements WritableByteChannel {
        private final WritableByteChannel out;
        long count;

        CountingChannel(WritableByteChannel out) {
            this.out = out;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = out.write(src);
            count += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return out.isOpen();
        }

        @Override
        public void close() {
            // the writer owns the underlying channel
        }
    }

    /** An in-memory seekable channel; positions past the end read back as zeros. */
    private static final class ByteArrayChannel implements SeekableByteChannel {
        private byte[] buf = new byte[1 << 16];
        private long size;
        private long pos;

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException("write-only");
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            long end = pos + n;
            if (end > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("in-memory GGUF larger than 2 GiB");
            }
            if (end > buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(end, buf.length * 2L)));
            }
            src.get(buf, (int) pos, n);
            pos = end;
            size = Math.max(size, end);
            return n;
        }

        @Override
        public long position() {
            return pos;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            pos = newPosition;
            return this;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public SeekableByteChannel truncate(long newSize) {
            size = Math.min(size, newSize);
            return this;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, (int) size);
        }
    }
}
