package io.github.moe4j.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The committed CUDA fatbins ({@code src/main/resources/io/github/moe4j/cuda}) are built from the
 * current {@code native/cuda} sources. Without nvcc (CI) the manifest's source hashes must match the
 * sources, which catches a kernel edit committed without a rebuild; with nvcc the build script
 * rebuilds into a temporary folder and compares ({@code native/build --check}).
 */
class CudaBinariesCurrentTest {
    private static final String RESOURCES = "src/main/resources/io/github/moe4j/cuda";
    private static final String MANIFEST = "cuda-manifest.txt";
    /** A fatbin file starts with the fatbin magic 0xBA55ED50, little-endian. */
    private static final byte[] FATBIN_MAGIC = {0x50, (byte) 0xED, 0x55, (byte) 0xBA};
    /** The modules the Java side loads; each must be committed and listed. */
    private static final List<String> MODULES = List.of("linear", "norm", "rope", "attention", "moe", "util");

    private static Path root() {
        String env = System.getenv("MOE4J_PROJECT_ROOT");
        Path p = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.dir"));
        return p.toAbsolutePath();
    }

    private record Manifest(String nvcc, String flags, Map<String, String> sources, Map<String, String> fatbins) {
    }

    private static Manifest manifest() throws IOException {
        Path m = root().resolve(RESOURCES).resolve(MANIFEST);
        assertTrue(Files.isRegularFile(m), m + " is missing: run native/build and commit its output");
        String nvcc = null;
        String flags = null;
        Map<String, String> sources = new LinkedHashMap<>();
        Map<String, String> fatbins = new LinkedHashMap<>();
        for (String line : Files.readAllLines(m, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            switch (key) {
                case "nvcc" -> nvcc = rest;
                case "flags" -> flags = rest;
                case "source", "fatbin" -> {
                    String[] f = rest.split(" ", 2);
                    assertEquals(2, f.length, m + ": malformed line '" + line + "'");
                    (key.equals("source") ? sources : fatbins).put(f[1], f[0]);
                }
                default -> fail(m + ": unknown line '" + line + "'");
            }
        }
        assertNotNull(nvcc, m + " names no nvcc version");
        assertNotNull(flags, m + " names no flags");
        return new Manifest(nvcc, flags, sources, fatbins);
    }

    private static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void manifestHashesMatchTheSources() throws IOException {
        Manifest m = manifest();
        Path dir = root().resolve("native/cuda");
        TreeSet<String> onDisk = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".cu") || n.endsWith(".cuh"))
                    .forEach(n -> onDisk.add("native/cuda/" + n));
        }
        assertFalse(onDisk.isEmpty(), "no CUDA sources under " + dir);
        assertEquals(onDisk, new TreeSet<>(m.sources().keySet()),
                "the CUDA sources differ from those the fatbins were built from: run native/build and commit");
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, String> e : m.sources().entrySet()) {
            if (!sha256(root().resolve(e.getKey())).equals(e.getValue())) {
                stale.add(e.getKey());
            }
        }
        assertTrue(stale.isEmpty(), stale + " changed since the fatbins were built: run native/build and commit");
    }

    @Test
    void everyFatbinIsCommittedWithItsHash() throws IOException {
        Manifest m = manifest();
        assertEquals(new TreeSet<>(MODULES.stream().map(s -> s + ".fatbin").toList()),
                new TreeSet<>(m.fatbins().keySet()), "modules listed in " + MANIFEST);
        for (Map.Entry<String, String> e : m.fatbins().entrySet()) {
            Path f = root().resolve(RESOURCES).resolve(e.getKey());
            assertTrue(Files.isRegularFile(f), f + " is missing: run native/build and commit");
            byte[] head = new byte[4];
            try (InputStream in = Files.newInputStream(f)) {
                assertEquals(4, in.readNBytes(head, 0, 4), f + " is too short");
            }
            assertTrue(java.util.Arrays.equals(FATBIN_MAGIC, head), f + " does not start with the fatbin magic");
            assertEquals(e.getValue(), sha256(f), f + " is not the file the manifest lists");
        }
    }

    @Test
    void fatbinsAreOnTheClassPath() throws IOException {
        for (String module : MODULES) {
            try (InputStream in = CudaBinariesCurrentTest.class.getResourceAsStream(
                    "/io/github/moe4j/cuda/" + module + ".fatbin")) {
                assertNotNull(in, module + ".fatbin is not on the class path");
                assertTrue(in.readNBytes(4).length == 4, module + ".fatbin is empty");
            }
        }
    }

    /** Where nvcc is installed: rebuild and compare ({@code native/build --check}). */
    @Test
    void rebuildMatchesWhereNvccExists() throws Exception {
        Path nvcc = findNvcc();
        Assumptions.assumeTrue(nvcc != null,
                "nvcc not found (PATH, /usr/local/cuda/bin): only the source hashes were checked");
        Assumptions.assumeFalse("false".equalsIgnoreCase(System.getProperty("moe4j.cuda.rebuild")),
                "-Dmoe4j.cuda.rebuild=false: rebuild check skipped");
        Path out = Files.createTempFile("moe4j-native-build", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder("bash", root().resolve("native/build").toString(), "--check")
                    .directory(root().toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().put("NVCC", nvcc.toString());
            Process p = pb.start();
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail("native/build --check did not finish in 15 minutes");
            }
            String log = Files.readString(out);
            assertEquals(0, p.exitValue(), "native/build --check failed:\n" + log);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Path findNvcc() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty()) {
                    Path c = Path.of(d, "nvcc");
                    if (Files.isExecutable(c)) {
                        return c;
                    }
                }
            }
        }
        Path c = Path.of("/usr/local/cuda/bin/nvcc");
        return Files.isExecutable(c) ? c : null;
    }
}
