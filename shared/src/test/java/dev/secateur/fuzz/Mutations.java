package dev.secateur.fuzz;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.io.ByteArrayOutputStream;
import java.util.List;

/** Byte-level damage to a valid input: overwrite, insert, delete and truncate, a few edits at a time. */
final class Mutations {

    private Mutations() {
    }

    enum Op { OVERWRITE, INSERT, DELETE, TRUNCATE }

    record Edit(Op op, int at, byte value) {
    }

    static Arbitrary<byte[]> of(byte[] seed) {
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.of(Op.values()), Arbitraries.integers().between(0, seed.length),
                Arbitraries.bytes()).as(Edit::new);
        return edit.list().ofMinSize(1).ofMaxSize(8).map(edits -> apply(seed, edits));
    }

    /** Random bytes, and mutations of each seed. */
    static Arbitrary<byte[]> around(byte[]... seeds) {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(512);
        Arbitrary<byte[]>[] all = new Arbitrary[seeds.length + 1];
        all[0] = random;
        for (int i = 0; i < seeds.length; i++) {
            all[i + 1] = of(seeds[i]);
        }
        return Arbitraries.oneOf(List.of(all));
    }

    static byte[] apply(byte[] seed, List<Edit> edits) {
        byte[] b = seed.clone();
        for (Edit e : edits) {
            int at = Math.min(e.at(), b.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + 1);
            switch (e.op()) {
                case OVERWRITE -> {
                    if (at < b.length) {
                        b[at] = e.value();
                    }
                    continue;
                }
                case INSERT -> {
                    out.write(b, 0, at);
                    out.write(e.value());
                    out.write(b, at, b.length - at);
                }
                case DELETE -> {
                    out.write(b, 0, at);
                    if (at < b.length) {
                        out.write(b, at + 1, b.length - at - 1);
                    }
                }
                case TRUNCATE -> out.write(b, 0, at);
            }
            b = out.toByteArray();
        }
        return b;
    }
}
