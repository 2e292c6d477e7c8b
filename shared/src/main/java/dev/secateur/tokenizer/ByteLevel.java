package dev.secateur.tokenizer;

/**
 * GPT-2's reversible byte-to-unicode table: printable bytes map to themselves, the rest to code points from
 * U+0100 upwards, so every byte sequence becomes a string without whitespace or control characters
 * (a space becomes 'Ġ', a newline 'Ċ').
 */
public final class ByteLevel {
    static final char[] BYTE_TO_CHAR = new char[256];

    static {
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            BYTE_TO_CHAR[b] = printable[b] ? (char) b : (char) (256 + next++);
        }
    }

    private ByteLevel() {
    }

    public static char toChar(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }
}
