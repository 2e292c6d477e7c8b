package dev.secateur.serve.structured;

/**
 * A vocabulary's token bytes arranged for masking: tokens grouped by their first byte (so a state is stepped once
 * per first byte, and a group whose first byte it refuses is skipped whole) and flagged when every byte is plain
 * string content (printable ASCII but quote and backslash), which a string without a length limit takes as is.
 */
final class TokenIndex {

    final byte[][] bytes;
    final int[][] byFirstByte;
    final boolean[] plain;

    TokenIndex(byte[][] bytes) {
        this.bytes = bytes;
        int[] counts = new int[256];
        plain = new boolean[bytes.length];
        for (int t = 0; t < bytes.length; t++) {
            byte[] b = bytes[t];
            if (b != null && b.length > 0) {
                counts[b[0] & 0xFF]++;
                boolean p = true;
                for (byte x : b) {
                    int v = x & 0xFF;
                    p &= v >= 0x20 && v < 0x80 && v != '"' && v != '\\';
                }
                plain[t] = p;
            }
        }
        byFirstByte = new int[256][];
        for (int v = 0; v < 256; v++) {
            byFirstByte[v] = new int[counts[v]];
        }
        int[] fill = new int[256];
        for (int t = 0; t < bytes.length; t++) {
            byte[] b = bytes[t];
            if (b != null && b.length > 0) {
                int v = b[0] & 0xFF;
                byFirstByte[v][fill[v]++] = t;
            }
        }
    }

    byte[] bytes(int token) {
        return token < bytes.length ? bytes[token] : null;
    }
}
