package dev.secateur.prune.service;

import dev.secateur.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * One attempt's scratch folder, {@code <store>/.work/<jobId>/g<claim generation>-a<attempt>}. Per attempt, not
 * per job: a replica that lost its claim may still be writing into its own folder while the new owner works.
 * Only the claim holder prepares one, so whatever else is under the job's folder belongs to a crashed or
 * abandoned attempt and goes.
 */
record AttemptFolder(Path jobDir, Path dir) {

    static final String WORK_DIR = ".work";

    static AttemptFolder prepare(Path storeRoot, JobClaims.Claim claim, int attempt) throws IOException {
        Path jobDir = storeRoot.resolve(WORK_DIR).resolve(claim.jobId());
        Path dir = jobDir.resolve("g" + claim.generation() + "-a" + attempt);
        if (Files.isDirectory(jobDir)) {
            try (Stream<Path> entries = Files.list(jobDir)) {
                for (Path p : entries.filter(p -> !p.equals(dir)).toList()) {
                    AtomicFiles.deleteRecursively(p);
                }
            }
        }
        Files.createDirectories(dir);
        return new AttemptFolder(jobDir, dir);
    }

    void cleanup() throws IOException {
        AtomicFiles.deleteRecursively(dir);
        try {
            Files.deleteIfExists(jobDir);
        } catch (IOException e) {
            // another attempt's folder is still in it
        }
    }
}
