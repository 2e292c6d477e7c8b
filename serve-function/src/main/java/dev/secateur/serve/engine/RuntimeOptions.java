package dev.secateur.serve.engine;

/**
 * Session options for the runtime.
 *
 * @param intraOpThreads 0 lets the runtime choose
 * @param optimization   none, basic, extended or all
 * @param cuda           try the CUDA execution provider first (CPU is always the fallback)
 */
public record RuntimeOptions(int intraOpThreads, String optimization, boolean cuda) {
}
