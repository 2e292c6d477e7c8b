package dev.secateur.store;

/**
 * @param path   relative to the version folder, '/'-separated whatever the OS
 * @param size   bytes; checked before hashing so a truncated file is reported as such, cheaply
 * @param sha256 lower-case hex
 */
public record ManifestFile(String path, long size, String sha256) {
}
