package dev.secateur.store;

import java.nio.file.Path;

/**
 * What a publish produced, with the manifest's own hash so events can pin exactly which manifest they
 * announce (a later {@link ModelStore#markRejected} rewrites the manifest and changes it).
 */
public record StoredVersion(String name, int version, Path directory, Manifest manifest, String manifestSha256) {
}
