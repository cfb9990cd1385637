package io.github.moe4j.gguf;

import io.github.moe4j.api.GgufFormatException;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order, with typed access. Accessors with a key
 * argument throw {@link GgufFormatException} naming the file, the key and the problem when the key
 * is missing or holds the wrong type; {@code arch*} variants resolve {@code {arch}.suffix} against
 * the file's {@code general.architecture}.
 */
public final class GgufMetadata {
    public static final String ARCHITECTURE = "general.architecture";
    public static final String ALIGNMENT = "general.alignment";
    public static final int DEFAULT_ALIGNMENT = 32;

    private final Path file;
    private final Map<String, GgufValue> values;

    GgufMetadata(Path file, LinkedHashMap<String, GgufValue> values) {
        this.file = file;
        this.values = Collections.unmodifiableMap(values);
    }

    /** The file this metadata was read from (for messages). */
    public Path file() {
        return file;
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public Map<String, GgufValue> asMap() {
        return values;
    }

    public int size() {
        return values.size();
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Optional<GgufValue> find(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** The value of a required key. */
    public GgufValue get(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            throw new GgufFormatException(file, GgufFormatException.NO_OFFSET,
                    "required metadata key '" + key + "' is missing");
        }
        return v;
    }

    // ---- architecture-prefixed keys ------------------------------------------------------------

    /** {@code general.architecture}; required. */
    public String architecture() {
        return getString(ARCHITECTURE);
    }

    /** {@code {arch}.suffix} for this file's architecture. */
    public String archKey(String suffix) {
        return architecture() + "." + suffix;
    }

    public long archLong(String suffix) {
        return getLong(archKey(suffix));
    }

    public long archLong(String suffix, long defaultValue) {
        return getLong(archKey(suffix), defaultValue);
    }

    public int archInt(String suffix) {
        return getInt(archKey(suffix));
    }

    public int archInt(String suffix, int defaultValue) {
        return getInt(archKey(suffix), defaultValue);
    }

    public float archFloat(String suffix) {
        return getFloat(archKey(suffix));
    }

    public float archFloat(String suffix, float defaultValue) {
        return getFloat(archKey(suffix), defaultValue);
    }

    public boolean archBool(String suffix, boolean defaultValue) {
        return getBool(archKey(suffix), defaultValue);
    }

    public String archString(String suffix, String defaultValue) {
        return getString(archKey(suffix), defaultValue);
    }

    // ---- typed access ----------------------------------------------------------------------------

    public String getString(String key) {
        return (String) typed(get(key), key, GgufValueType.STRING).value();
    }

    public String getString(String key, String defaultValue) {
        GgufValue v = values.get(key);
        return v == null ? defaultValue : (String) typed(v, key, GgufValueType.STRING).value();
    }

    /** Any integer type; an UINT64 above 2^63-1 is an error. */
    public long getLong(String key) {
        return integer(get(key), key);
    }

    public long getLong(String key, long defaultValue) {
        GgufValue v = values.get(key);
        return v == null ? defaultValue : integer(v, key);
    }

    /** Any integer type whose value fits an int. */
    public int getInt(String key) {
        return toInt(get(key), key);
    }

    public int getInt(String key, int defaultValue) {
        GgufValue v = values.get(key);
        return v == null ? defaultValue : toInt(v, key);
    }

    /** FLOAT32 or FLOAT64. */
    public float getFloat(String key) {
        return floating(get(key), key);
    }

    public float getFloat(String key, float defaultValue) {
        GgufValue v = values.get(key);
        return v == null ? defaultValue : floating(v, key);
    }

    public boolean getBool(String key) {
        return (Boolean) typed(get(key), key, GgufValueType.BOOL).value();
    }

    public boolean getBool(String key, boolean defaultValue) {
        GgufValue v = values.get(key);
        return v == null ? defaultValue : (Boolean) typed(v, key, GgufValueType.BOOL).value();
    }

    public GgufArray getArray(String key) {
        return (GgufArray) typed(get(key), key, GgufValueType.ARRAY).value();
    }

    public Optional<GgufArray> findArray(String key) {
        GgufValue v = values.get(key);
        return v == null ? Optional.empty() : Optional.of((GgufArray) typed(v, key, GgufValueType.ARRAY).value());
    }

    /** A required array whose elements must have the given type. */
    public GgufArray getArray(String key, GgufValueType elementType) {
        GgufValue v = get(key);
        GgufArray a = (GgufArray) typed(v, key, GgufValueType.ARRAY).value();
        if (a.elementType() != elementType) {
            throw wrongType(v, key, "an array of " + elementType + ", but it is an array of " + a.elementType());
        }
        return a;
    }

    private GgufValue typed(GgufValue v, String key, GgufValueType type) {
        if (v.type() != type) {
            throw wrongType(v, key, "of type " + type + ", but it is " + v.type());
        }
        return v;
    }

    private long integer(GgufValue v, String key) {
        if (!v.type().isInteger()) {
            throw wrongType(v, key, "an integer, but it is " + v.type());
        }
        long x = (Long) v.value();
        if (v.type() == GgufValueType.UINT64 && x < 0) {
            throw wrongType(v, key, "an integer below 2^63, but it is " + Long.toUnsignedString(x));
        }
        return x;
    }

    private int toInt(GgufValue v, String key) {
        long x = integer(v, key);
        if (x != (int) x) {
            throw wrongType(v, key, "an integer that fits 32 bits, but it is " + x);
        }
        return (int) x;
    }

    private float floating(GgufValue v, String key) {
        return switch (v.type()) {
            case FLOAT32 -> (Float) v.value();
            case FLOAT64 -> (float) (double) (Double) v.value();
            default -> throw wrongType(v, key, "FLOAT32 or FLOAT64, but it is " + v.type());
        };
    }

    private GgufFormatException wrongType(GgufValue v, String key, String expectation) {
        return new GgufFormatException(file, v.offset(), "metadata key '" + key + "' must be " + expectation);
    }
}
