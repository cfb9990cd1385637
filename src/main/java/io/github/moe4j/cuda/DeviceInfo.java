package io.github.moe4j.cuda;

/**
 * What the probe found about one CUDA device.
 *
 * @param ordinal       the device index ({@code cuDeviceGet})
 * @param name          {@code cuDeviceGetName}, e.g. {@code NVIDIA H200}
 * @param major         compute capability, major
 * @param minor         compute capability, minor
 * @param sms           streaming multiprocessors
 * @param totalMemory   bytes of device memory
 * @param driverVersion {@code cuDriverGetVersion}, e.g. 12040 for 12.4
 */
public record DeviceInfo(int ordinal, String name, int major, int minor, int sms, long totalMemory,
                         int driverVersion) {

    /** e.g. {@code NVIDIA H200 (sm_90, 132 SMs, 139.8 GiB, driver 12.4)}. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%s (sm_%d%d, %d SMs, %.1f GiB, driver %d.%d)", name, major, minor,
                sms, totalMemory / (double) (1L << 30), driverVersion / 1000, driverVersion % 1000 / 10);
    }
}
