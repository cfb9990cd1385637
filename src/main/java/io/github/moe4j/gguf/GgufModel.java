package io.github.moe4j.gguf;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.api.Moe4jException;
import io.github.moe4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's GGUF files opened as one: every shard memory-mapped read-only into one shared
 * {@link Arena} that this object owns, metadata from the first shard, and one tensor index across
 * all shards. Tensors are views of the mappings; nothing is copied onto the heap, and opening costs
 * the same whatever the size of the weights.
 *
 * <p>Split models follow llama.cpp's naming, {@code PREFIX-00001-of-00003.gguf}: any shard may be
 * given, the others are found beside it and checked ({@code split.count}, {@code split.no},
 * {@code split.tensors.count}).
 *
 * <p>Thread-safe for reading. {@link #close()} unmaps everything; views taken before then fail with
 * {@link IllegalStateException} afterwards instead of touching unmapped memory.
 */
public final class GgufModel implements AutoCloseable {
    public static final String SPLIT_COUNT = "split.count";
    public static final String SPLIT_NO = "split.no";
    public static final String SPLIT_TENSORS_COUNT = "split.tensors.count";

    private static final Pattern SPLIT_NAME = Pattern.compile("(.+)-(\\d{5})-of-(\\d{5})\\.gguf");

    /** Where a tensor lives. */
    public record Entry(TensorInfo info, int shard) {
    }

    private final Arena arena;
    private final List<GgufFile> shards;
    private final Map<String, Entry> index;

    private GgufModel(Arena arena, List<GgufFile> shards, Map<String, Entry> index) {
        this.arena = arena;
        this.shards = shards;
        this.index = index;
    }

    /** Opens a GGUF model: a single file, or any shard of a split model. */
    public static GgufModel open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            GgufFile given = map(arena, path);
            List<GgufFile> shards = findShards(arena, path, given);
            return new GgufModel(arena, List.copyOf(shards), buildIndex(shards));
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    /** Maps one file read-only into {@code arena} and parses it. */
    public static GgufFile map(Arena arena, Path path) {
        MemorySegment seg;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            throw new Moe4jException(path + ": no such file");
        } catch (IOException | UnsupportedOperationException e) {
            throw new Moe4jException(path + ": cannot map the file: " + e, e);
        }
        return GgufFile.parse(path, seg);
    }

    private static List<GgufFile> findShards(Arena arena, Path path, GgufFile given) {
        GgufMetadata md = given.metadata();
        int count = md.getInt(SPLIT_COUNT, 0);
        if (count <= 1) {
            if (count == 1 && md.getInt(SPLIT_NO, 0) != 0) {
                throw new GgufFormatException(path, md.get(SPLIT_NO).offset(),
                        SPLIT_NO + " is " + md.getInt(SPLIT_NO) + " but " + SPLIT_COUNT + " is 1");
            }
            return List.of(given);
        }
        if (count > 99_999) {
            throw new GgufFormatException(path, md.get(SPLIT_COUNT).offset(), SPLIT_COUNT + " is " + count);
        }
        Path fileName = path.getFileName();
        Matcher m = SPLIT_NAME.matcher(fileName == null ? "" : fileName.toString());
        if (!m.matches()) {
            throw new GgufFormatException(path, GgufFormatException.NO_OFFSET, "the file is shard "
                    + (md.getInt(SPLIT_NO, 0) + 1) + " of a " + count + "-file split model, but its name does not "
                    + "follow PREFIX-NNNNN-of-NNNNN.gguf, so the other shards cannot be found");
        }
        String prefix = m.group(1);
        int nameNo = Integer.parseInt(m.group(2));
        int nameCount = Integer.parseInt(m.group(3));
        if (nameCount != count) {
            throw new GgufFormatException(path, md.get(SPLIT_COUNT).offset(), "the name says " + nameCount
                    + " shards but " + SPLIT_COUNT + " is " + count);
        }
        // siblings keep the form of the given path (relative stays relative)
        List<GgufFile> shards = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            Path p = path.resolveSibling(String.format("%s-%05d-of-%05d.gguf", prefix, i, count));
            GgufFile shard;
            if (i == nameNo) {
                shard = given;
            } else if (!Files.exists(p)) {
                throw new GgufFormatException(p, GgufFormatException.NO_OFFSET, "shard " + i + " of " + count
                        + " is missing (needed by " + path + ")");
            } else {
                shard = map(arena, p);
            }
            checkShard(shard, i, count);
            shards.add(shard);
        }
        GgufFile first = shards.get(0);
        long total = 0;
        for (GgufFile s : shards) {
            total += s.tensors().size();
        }
        GgufMetadata fmd = first.metadata();
        if (fmd.contains(SPLIT_TENSORS_COUNT) && fmd.getLong(SPLIT_TENSORS_COUNT) != total) {
            throw new GgufFormatException(first.path(), fmd.get(SPLIT_TENSORS_COUNT).offset(), SPLIT_TENSORS_COUNT
                    + " is " + fmd.getLong(SPLIT_TENSORS_COUNT) + " but the " + count + " shards hold " + total
                    + " tensors");
        }
        return shards;
    }

    private static void checkShard(GgufFile shard, int no, int count) {
        GgufMetadata md = shard.metadata();
        if (!md.contains(SPLIT_COUNT) || !md.contains(SPLIT_NO)) {
            throw new GgufFormatException(shard.path(), GgufFormatException.NO_OFFSET, "shard " + no + " of " + count
                    + " lacks the " + SPLIT_COUNT + "/" + SPLIT_NO + " keys");
        }
        if (md.getInt(SPLIT_COUNT) != count) {
            throw new GgufFormatException(shard.path(), md.get(SPLIT_COUNT).offset(), "shard " + no + " says "
                    + SPLIT_COUNT + " = " + md.getInt(SPLIT_COUNT) + ", expected " + count);
        }
        if (md.getInt(SPLIT_NO) != no - 1) {
            throw new GgufFormatException(shard.path(), md.get(SPLIT_NO).offset(), "file named as shard " + no
                    + " says " + SPLIT_NO + " = " + md.getInt(SPLIT_NO) + ", expected " + (no - 1));
        }
    }

    private static Map<String, Entry> buildIndex(List<GgufFile> shards) {
        LinkedHashMap<String, Entry> index = new LinkedHashMap<>();
        for (int s = 0; s < shards.size(); s++) {
            for (TensorInfo t : shards.get(s).tensors()) {
                Entry prev = index.putIfAbsent(t.name(), new Entry(t, s));
                if (prev != null) {
                    throw new GgufFormatException(shards.get(s).path(), t.infoOffset(), "duplicate tensor name '"
                            + t.name() + "' (also in " + shards.get(prev.shard()).path().getFileName() + ")");
                }
            }
        }
        return Collections.unmodifiableMap(index);
    }

    // ---- accessors ----

    /** The shards in order (one element for an unsplit model). */
    public List<GgufFile> shards() {
        return shards;
    }

    /** The first shard's metadata, which holds the model's keys. */
    public GgufMetadata metadata() {
        return shards.get(0).metadata();
    }

    /** Every tensor in file order across shards. */
    public Map<String, Entry> index() {
        return index;
    }

    public int tensorCount() {
        return index.size();
    }

    public boolean hasTensor(String name) {
        return index.containsKey(name);
    }

    public Entry entry(String name) {
        Entry e = index.get(name);
        if (e == null) {
            throw new GgufFormatException(shards.get(0).path(), GgufFormatException.NO_OFFSET,
                    "tensor '" + name + "' is missing");
        }
        return e;
    }

    /** A view of tensor {@code name}'s data. */
    public Tensor tensor(String name) {
        Entry e = entry(name);
        TensorInfo t = e.info();
        return new Tensor(t.name(), t.type(), t.ne(), shards.get(e.shard()).data(t));
    }

    /** Total bytes of all shards. */
    public long fileBytes() {
        long n = 0;
        for (GgufFile f : shards) {
            n += f.byteSize();
        }
        return n;
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Unmaps every shard. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            try {
                arena.close();
            } catch (IllegalStateException alreadyClosed) {
                // a concurrent close won the race
            }
        }
    }
}
