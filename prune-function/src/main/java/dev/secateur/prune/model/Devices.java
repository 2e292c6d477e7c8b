package dev.secateur.prune.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/** Turns a user's --device choice into a DJL device, failing clearly instead of silently falling back. */
public final class Devices {
    private Devices() {
    }

    /**
     * @param choice "auto" (CUDA when DJL's PyTorch engine sees a GPU, else CPU), "cpu", "cuda" or "cuda:N"
     */
    public static Device resolve(String choice) {
        String c = choice == null ? "auto" : choice.trim().toLowerCase(Locale.ROOT);
        int gpus = gpuCount();
        if (c.equals("auto")) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        if (c.equals("cpu")) {
            return Device.cpu();
        }
        if (c.equals("cuda") || c.equals("gpu") || c.startsWith("cuda:")) {
            int index = c.startsWith("cuda:") ? parseIndex(c.substring(5), choice) : 0;
            if (gpus == 0) {
                throw new IllegalArgumentException("device '" + choice + "' requested but DJL's PyTorch engine sees no GPU "
                        + "(no CUDA driver, or CPU-only PyTorch natives); use --device cpu or auto");
            }
            if (index >= gpus) {
                throw new IllegalArgumentException("device '" + choice + "' requested but only " + gpus + " GPU(s) are visible");
            }
            return Device.gpu(index);
        }
        throw new IllegalArgumentException("unknown device '" + choice + "' (use auto, cpu, cuda or cuda:N)");
    }

    /** A short name for reports: "cpu" or "cuda:N". */
    public static String describe(Device device) {
        return device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
    }

    private static int gpuCount() {
        return Engine.getEngine("PyTorch").getGpuCount();
    }

    private static int parseIndex(String s, String choice) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unknown device '" + choice + "' (use auto, cpu, cuda or cuda:N)");
        }
    }
}
