package io.github.moe4j.cuda;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Resource lookup of the kernel fatbins (the modules themselves are checked where they are built). */
class KernelModulesTest {

    @Test
    void resourceNames() {
        assertEquals("io/github/moe4j/cuda/linear.fatbin", KernelModules.resourceName("linear"));
        assertThrows(IllegalArgumentException.class, () -> KernelModules.resourceName("../etc"));
        assertThrows(IllegalArgumentException.class, () -> KernelModules.resourceName("Linear"));
        assertThrows(IllegalArgumentException.class, () -> KernelModules.resourceName(null));
    }

    @Test
    void absentModuleIsReportedNotThrown() {
        assertFalse(KernelModules.available("no_such_module"));
        assertNull(KernelModules.read("no_such_module"));
        assertEquals(List.of("io/github/moe4j/cuda/no_such_module.fatbin"),
                KernelModules.missing(List.of("no_such_module")));
    }

    @Test
    void missingModulesMessageOrNone() {
        String why = CudaSupport.missingModules();
        boolean all = Kernels.MODULES.stream().allMatch(KernelModules::available);
        assertEquals(all, why == null, String.valueOf(why));
        if (why != null) {
            assertTrue(why.contains("native/build"), why);
        }
    }

    /** Where the build carries the fatbins: each is a fatbin (magic 0xBA55ED50, little-endian) or an ELF cubin. */
    @Test
    void shippedModulesLookLikeFatbins() {
        assumeTrue(Kernels.MODULES.stream().anyMatch(KernelModules::available),
                "no fatbins in this build (the kernels branch adds them)");
        for (String m : Kernels.MODULES) {
            byte[] b = KernelModules.read(m);
            if (b == null) {
                continue;
            }
            assertTrue(b.length > 16, m);
            int magic = (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
            boolean elf = b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
            assertTrue(magic == 0xBA55ED50 || elf, m + " starts with " + Integer.toHexString(magic));
        }
    }
}
