package dev.secateur.serve.engine;

/**
 * Session options for the runtime.
 *
 * @param intraOpThreads 0 lets the runtime choose
 * @param optimization   none, basic, extended or all
 * @param cuda           try the CUDA execution provider first (CPU is always the fallback)
 * @param spinWait       let the runtime's intra-op threads spin between runs
 * @param batching       how decoders batch their requests' decode steps
 * @param decodeStats    where every version's scheduler reports what it is doing
 */
public record RuntimeOptions(int intraOpThreads, String optimization, boolean cuda, boolean spinWait,
                             BatchingOptions batching, DecodeStats decodeStats) {

    public RuntimeOptions(int intraOpThreads, String optimization, boolean cuda) {
        this(intraOpThreads, optimization, cuda, false, BatchingOptions.off(), new DecodeStats());
    }
}
