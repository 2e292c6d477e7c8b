/**
 * Running one prune job, shared by the command line ({@code cli}) and the long-running service ({@code service}):
 * a {@link dev.secateur.prune.job.PruneTask} of local files in, a folder of files and a
 * {@link dev.secateur.prune.job.JobOutcome} out. Nothing here may depend on {@code service}, so the CLI runs a job
 * without Kafka, the journal or CDI on its path.
 */
package dev.secateur.prune.job;
