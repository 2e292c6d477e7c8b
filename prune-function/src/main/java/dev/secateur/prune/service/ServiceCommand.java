package dev.secateur.prune.service;

import io.quarkus.runtime.Quarkus;
import picocli.CommandLine.Command;

/**
 * {@code serve}: the long-running prune service (Kafka consumer, HTTP trigger, job workers), as the
 * container runs it. Everything is already started with the application; this command only keeps the
 * process alive until it is told to stop (SIGTERM from Kubernetes). Run it under the default profile,
 * not "cli", which switches HTTP and Kafka off.
 */
@Command(name = "service", description = "Run the prune service: requests from Kafka and HTTP, models to the store, events to Kafka.")
public class ServiceCommand implements Runnable {

    @Override
    public void run() {
        Quarkus.waitForExit();
    }
}
