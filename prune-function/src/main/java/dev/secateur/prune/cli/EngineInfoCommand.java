package dev.secateur.prune.cli;

import ai.djl.engine.Engine;
import dev.secateur.prune.model.Devices;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * Loads DJL's PyTorch engine and reports what it sees. Also what the CUDA image runs once at build time,
 * so that DJL unpacks its libtorch natives into DJL_CACHE_DIR before the image goes offline.
 */
@Command(name = "engine-info", mixinStandardHelpOptions = true, description = "Show the PyTorch engine, its version and the GPUs it sees.")
public class EngineInfoCommand implements Runnable {
    @Override
    public void run() {
        Engine engine = Engine.getEngine("PyTorch");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("engine", engine.getEngineName());
        out.put("version", engine.getVersion());
        out.put("gpus", engine.getGpuCount());
        out.put("defaultDevice", Devices.describe(Devices.resolve("auto")));
        System.out.println(JsonLine.of(out));
    }
}
