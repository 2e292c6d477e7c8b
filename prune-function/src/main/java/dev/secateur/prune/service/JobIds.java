package dev.secateur.prune.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A job id from the request's CloudEvent (source, id): the pair the spec makes unique, so the same
 * request redelivered by Kafka, or forwarded over HTTP by a KafkaSource, is the same job. Readable
 * (the id, cleaned) and safe as a file name (the hash keeps cleaned ids and different sources apart).
 */
public final class JobIds {

    private JobIds() {
    }

    public static String of(String source, String id) {
        String cleaned = id.replaceAll("[^A-Za-z0-9._-]", "_");
        if (cleaned.length() > 48) {
            cleaned = cleaned.substring(0, 48);
        }
        if (cleaned.isEmpty() || !Character.isLetterOrDigit(cleaned.charAt(0))) {
            cleaned = "j" + cleaned;
        }
        return cleaned + "-" + hash(source + "\n" + id).substring(0, 10);
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
