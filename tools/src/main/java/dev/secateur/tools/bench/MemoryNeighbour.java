package dev.secateur.tools.bench;

/**
 * A thread that keeps writing through a buffer larger than the last-level cache, as a busy neighbour on another
 * core does (an HTTP server and its client allocating, say). A model whose weights fit in that cache runs much faster
 * alone than beside such a neighbour, which a benchmark of the bare session alone would not show.
 */
final class MemoryNeighbour implements AutoCloseable {
    private static final int LINE_LONGS = 8; // one 64-byte cache line

    private final Thread thread;
    private volatile boolean running = true;

    MemoryNeighbour(int megabytes) {
        long[] buffer = new long[megabytes * (1 << 17)];
        thread = new Thread(() -> {
            long sum = 0;
            while (running) {
                for (int i = 0; i < buffer.length && running; i += LINE_LONGS) {
                    sum += buffer[i];
                    buffer[i] = sum;
                }
            }
        }, "memory-neighbour");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
