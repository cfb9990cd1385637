package io.github.moe4j.support;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Byte-level helpers for crafting and corrupting GGUF images in tests. */
public final class Bytes {
    private Bytes() {
    }

    public static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Offset of the first byte after the GGUF string {@code s} (its u64 length prefix included). */
    public static int afterString(byte[] image, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] withLen = ByteBuffer.allocate(8 + b.length).order(ByteOrder.LITTLE_ENDIAN).putLong(b.length).put(b).array();
        int at = indexOf(image, withLen, 0);
        if (at < 0) {
            throw new IllegalArgumentException("string '" + s + "' not found");
        }
        return at + withLen.length;
    }

    /** Offset of the u64 length prefix of the GGUF string {@code s}. */
    public static int stringAt(byte[] image, String s) {
        return afterString(image, s) - 8 - s.getBytes(StandardCharsets.UTF_8).length;
    }

    public static void putU32(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) v);
    }

    public static void putU64(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
    }

    public static long getU64(byte[] b, int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(at);
    }

    public static long getU32(byte[] b, int at) {
        return Integer.toUnsignedLong(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(at));
    }
}
