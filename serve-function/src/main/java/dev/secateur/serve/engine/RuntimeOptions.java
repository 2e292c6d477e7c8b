package dev.secateur.serve.engine;

/**
 * Session options for the runtime.
 *
 * @param intraOpThreads 0 lets the runtime choose
 * @param optimization   none, basic, extended or all
 * @param cuda           try the CUDA execution provider first (CPU is always the fallback)
 * @param batching       how decoders batch their requests' decode steps
 * @param decodeStats    where every version's scheduler reports what it is doing
 */
public record RuntimeOptions(int intraOpThreads, String optimization, boolean cuda, BatchingOptions batching,
                             DecodeStats decodeStats) {

    public RuntimeOptions(int intraOpThreads, String optimization, boolean cuda) {
        this(intraOpThreads, optimization, cuda, BatchingOptions.off(), new DecodeStats());
    }
}
