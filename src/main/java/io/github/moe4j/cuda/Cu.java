package io.github.moe4j.cuda;

import org.lwjgl.cuda.CU;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The CUDA driver calls moe4j makes, through LWJGL's {@link CU}, each result checked: a failure becomes
 * a {@link CudaException} naming the call and the error ({@code cuGetErrorName}). Handles
 * ({@code CUcontext}, {@code CUdeviceptr}, {@code CUfunction}...) are plain {@code long}s; host memory is
 * passed as FFM {@link MemorySegment}s (by address, through LWJGL's unchecked {@code n*} entry points).
 *
 * <p>Only {@link CudaProbe} may touch this class first: without a driver the first use of {@link CU}
 * throws {@link UnsatisfiedLinkError}, which the probe turns into "CUDA unavailable". Out-parameters go
 * through a small per-thread segment, so the hot calls (launches, graph launches, async copies)
 * allocate nothing.
 */
final class Cu {
    /** One thread's out-parameter slots (8 x 8 bytes), reused by every call on that thread. */
    private static final ThreadLocal<MemorySegment> OUT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(64, 8));

    private Cu() {
    }

    // ---------------------------------------------------------------- errors

    /** Throws {@link CudaException} unless {@code rc} is {@code CUDA_SUCCESS}. */
    static void check(int rc, String call) {
        if (rc != CU.CUDA_SUCCESS) {
            fail(rc, call);
        }
    }

    /** Throws the {@link CudaException} for a failed call (hot paths test {@code rc} first, then build the message). */
    static void fail(int rc, String call) {
        throw new CudaException(call, rc, errorName(rc));
    }

    /** The driver's name of {@code rc} ({@code CUDA_ERROR_...}), or {@code CUresult n} when it has none. */
    static String errorName(int rc) {
        try {
            MemorySegment out = OUT.get();
            out.set(ValueLayout.JAVA_LONG, 0, 0L);
            if (CU.ncuGetErrorName(rc, out.address()) == CU.CUDA_SUCCESS) {
                long p = out.get(ValueLayout.JAVA_LONG, 0);
                if (p != 0) {
                    return MemorySegment.ofAddress(p).reinterpret(256).getString(0);
                }
            }
        } catch (LinkageError e) {
            // no driver: fall through to the number
        }
        return "CUresult " + rc;
    }

    private static MemorySegment out() {
        MemorySegment o = OUT.get();
        o.fill((byte) 0);
        return o;
    }

    private static long outLong() {
        return OUT.get().get(ValueLayout.JAVA_LONG, 0);
    }

    private static int outInt() {
        return OUT.get().get(ValueLayout.JAVA_INT, 0);
    }

    // ---------------------------------------------------------------- devices and contexts

    static void init() {
        check(CU.cuInit(0), "cuInit");
    }

    static int driverVersion() {
        check(CU.ncuDriverGetVersion(out().address()), "cuDriverGetVersion");
        return outInt();
    }

    static int deviceCount() {
        check(CU.ncuDeviceGetCount(out().address()), "cuDeviceGetCount");
        return outInt();
    }

    static int device(int ordinal) {
        check(CU.ncuDeviceGet(out().address(), ordinal), "cuDeviceGet(" + ordinal + ")");
        return outInt();
    }

    static String deviceName(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(256);
            check(CU.ncuDeviceGetName(name.address(), 256, dev), "cuDeviceGetName");
            return name.getString(0);
        }
    }

    static long totalMemory(int dev) {
        check(CU.ncuDeviceTotalMem(out().address(), dev), "cuDeviceTotalMem");
        return outLong();
    }

    static int attribute(int dev, int attribute) {
        check(CU.ncuDeviceGetAttribute(out().address(), attribute, dev), "cuDeviceGetAttribute(" + attribute + ")");
        return outInt();
    }

    static long primaryContextRetain(int dev) {
        check(CU.ncuDevicePrimaryCtxRetain(out().address(), dev), "cuDevicePrimaryCtxRetain(" + dev + ")");
        return outLong();
    }

    static void primaryContextRelease(int dev) {
        check(CU.cuDevicePrimaryCtxRelease(dev), "cuDevicePrimaryCtxRelease(" + dev + ")");
    }

    static void setCurrent(long ctx) {
        int rc = CU.cuCtxSetCurrent(ctx);
        if (rc != 0) {
            fail(rc, "cuCtxSetCurrent");
        }
    }

    static void synchronize() {
        check(CU.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    // ---------------------------------------------------------------- streams and events

    static long streamCreate() {
        check(CU.ncuStreamCreate(out().address(), CU.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        return outLong();
    }

    static void streamDestroy(long stream) {
        check(CU.cuStreamDestroy(stream), "cuStreamDestroy");
    }

    static void streamSynchronize(long stream) {
        int rc = CU.cuStreamSynchronize(stream);
        if (rc != 0) {
            fail(rc, "cuStreamSynchronize");
        }
    }

    static long eventCreate() {
        check(CU.ncuEventCreate(out().address(), CU.CU_EVENT_DEFAULT), "cuEventCreate");
        return outLong();
    }

    static void eventRecord(long event, long stream) {
        check(CU.cuEventRecord(event, stream), "cuEventRecord");
    }

    static void eventSynchronize(long event) {
        check(CU.cuEventSynchronize(event), "cuEventSynchronize");
    }

    /** Milliseconds between two recorded events. */
    static float eventElapsed(long start, long end) {
        check(CU.ncuEventElapsedTime(out().address(), start, end), "cuEventElapsedTime");
        return OUT.get().get(ValueLayout.JAVA_FLOAT, 0);
    }

    static void eventDestroy(long event) {
        check(CU.cuEventDestroy(event), "cuEventDestroy");
    }

    // ---------------------------------------------------------------- memory

    static long memAlloc(long bytes) {
        check(CU.ncuMemAlloc(out().address(), bytes), "cuMemAlloc(" + bytes + " bytes)");
        return outLong();
    }

    static void memFree(long dptr) {
        check(CU.cuMemFree(dptr), "cuMemFree");
    }

    /** Page-locked host memory ({@code cuMemHostAlloc}), as a segment of {@code bytes}. */
    static MemorySegment hostAlloc(long bytes, int flags) {
        check(CU.ncuMemHostAlloc(out().address(), bytes, flags), "cuMemHostAlloc(" + bytes + " bytes)");
        return MemorySegment.ofAddress(outLong()).reinterpret(bytes);
    }

    static void hostFree(MemorySegment host) {
        check(CU.ncuMemFreeHost(host.address()), "cuMemFreeHost");
    }

    /** Page-locks existing host memory (e.g. a mapped weight range) for fast transfers. */
    static void hostRegister(MemorySegment host, int flags) {
        check(CU.ncuMemHostRegister(host.address(), host.byteSize(), flags),
                "cuMemHostRegister(" + host.byteSize() + " bytes)");
    }

    static void hostUnregister(MemorySegment host) {
        check(CU.ncuMemHostUnregister(host.address()), "cuMemHostUnregister");
    }

    static void copyToDevice(long dst, MemorySegment src) {
        check(CU.ncuMemcpyHtoD(dst, src.address(), src.byteSize()), "cuMemcpyHtoD(" + src.byteSize() + " bytes)");
    }

    static void copyToDeviceAsync(long dst, MemorySegment src, long stream) {
        int rc = CU.ncuMemcpyHtoDAsync(dst, src.address(), src.byteSize(), stream);
        if (rc != 0) {
            fail(rc, "cuMemcpyHtoDAsync(" + src.byteSize() + " bytes)");
        }
    }

    static void copyToHost(MemorySegment dst, long src) {
        check(CU.ncuMemcpyDtoH(dst.address(), src, dst.byteSize()), "cuMemcpyDtoH(" + dst.byteSize() + " bytes)");
    }

    static void copyToHostAsync(MemorySegment dst, long src, long stream) {
        int rc = CU.ncuMemcpyDtoHAsync(dst.address(), src, dst.byteSize(), stream);
        if (rc != 0) {
            fail(rc, "cuMemcpyDtoHAsync(" + dst.byteSize() + " bytes)");
        }
    }

    static void copyDeviceAsync(long dst, long src, long bytes, long stream) {
        check(CU.cuMemcpyDtoDAsync(dst, src, bytes, stream), "cuMemcpyDtoDAsync(" + bytes + " bytes)");
    }

    static void memsetAsync(long dst, byte value, long bytes, long stream) {
        check(CU.cuMemsetD8Async(dst, value, bytes, stream), "cuMemsetD8Async(" + bytes + " bytes)");
    }

    // ---------------------------------------------------------------- modules and launches

    /** Loads a fatbin/cubin/PTX image; the segment must stay valid for the call only. */
    static long moduleLoadData(MemorySegment image, String what) {
        check(CU.ncuModuleLoadData(out().address(), image.address()), "cuModuleLoadData(" + what + ")");
        return outLong();
    }

    static void moduleUnload(long module) {
        check(CU.cuModuleUnload(module), "cuModuleUnload");
    }

    static long moduleFunction(long module, String name, String moduleName) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocateFrom(name);
            check(CU.ncuModuleGetFunction(out().address(), module, n.address()),
                    "cuModuleGetFunction(" + moduleName + ", " + name + ")");
            return outLong();
        }
    }

    static void funcSetAttribute(long function, int attribute, int value, String name) {
        check(CU.cuFuncSetAttribute(function, attribute, value), "cuFuncSetAttribute(" + name + ", " + attribute
                + " = " + value + ")");
    }

    /**
     * {@code cuLaunchKernel}. {@code kernelParams} is the address of an array of pointers, one per kernel
     * parameter, each to that parameter's value ({@link KernelArgs#address()}).
     */
    static void launch(long function, LaunchConfig l, long stream, long kernelParams, String name) {
        int rc = CU.ncuLaunchKernel(function, l.gridX(), l.gridY(), l.gridZ(), l.blockX(), l.blockY(), l.blockZ(),
                l.sharedBytes(), stream, kernelParams, 0L);
        if (rc != 0) {
            fail(rc, "cuLaunchKernel(" + name + ", " + l + ")");
        }
    }

    // ---------------------------------------------------------------- graphs

    static void beginCapture(long stream) {
        check(CU.cuStreamBeginCapture_v2(stream, CU.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture");
    }

    /** Ends a capture and returns the captured {@code CUgraph}. */
    static long endCapture(long stream) {
        check(CU.ncuStreamEndCapture(stream, out().address()), "cuStreamEndCapture");
        return outLong();
    }

    static long graphInstantiate(long graph) {
        check(CU.ncuGraphInstantiateWithFlags(out().address(), graph, 0L), "cuGraphInstantiateWithFlags");
        return outLong();
    }

    static void graphLaunch(long exec, long stream) {
        int rc = CU.cuGraphLaunch(exec, stream);
        if (rc != 0) {
            fail(rc, "cuGraphLaunch");
        }
    }

    static void graphExecDestroy(long exec) {
        check(CU.cuGraphExecDestroy(exec), "cuGraphExecDestroy");
    }

    static void graphDestroy(long graph) {
        check(CU.cuGraphDestroy(graph), "cuGraphDestroy");
    }
}
