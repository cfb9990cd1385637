package io.github.moe4j;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compiled module exports only the API package and requires the Vector API. */
class ModuleDescriptorTest {

    @Test
    void exportsOnlyTheApi() throws Exception {
        Path classes = Path.of(io.github.moe4j.api.Moe4jException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            ModuleDescriptor d = ModuleDescriptor.read(in);
            assertEquals("io.github.moe4j", d.name());
            assertEquals(Set.of("io.github.moe4j.api"),
                    d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
            assertTrue(d.requires().stream().anyMatch(r -> r.name().equals("jdk.incubator.vector")));
        }
    }

}
