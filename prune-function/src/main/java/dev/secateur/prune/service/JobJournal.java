package dev.secateur.prune.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.json.Json;
import dev.secateur.store.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

/**
 * Durable job states, one small JSON file per job under {@code <store root>/.jobs/}, each replaced
 * atomically (write to a temp file, fsync, rename), so a crash leaves either the old state or the new.
 * The dot-folder is invisible to {@link dev.secateur.store.ModelStore#names()}.
 */
public final class JobJournal {

    public static final String DIR = ".jobs";
    private static final Logger LOG = Logger.getLogger(JobJournal.class);
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path dir;
    private final ObjectMapper json = Json.mapper();

    public JobJournal(Path storeRoot) {
        this.dir = storeRoot.resolve(DIR);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create job journal " + dir + ": " + e.getMessage(), e);
        }
    }

    public void write(JobRecord record) {
        AtomicFiles.writeAtomically(file(record.jobId()), Json.toPrettyBytes(record));
    }

    public Optional<JobRecord> read(String jobId) {
        if (!JOB_ID.matcher(jobId).matches()) {
            return Optional.empty(); // never a path built from an arbitrary string
        }
        try {
            return Optional.of(json.readValue(Files.readAllBytes(file(jobId)), JobRecord.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable journal entry for job " + jobId + ": " + e.getMessage(), e);
        }
    }

    /** Every readable entry, newest first; a damaged file is logged and skipped, not fatal. */
    public List<JobRecord> list() {
        List<JobRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                if (f.getFileName().toString().startsWith(".")) {
                    continue; // AtomicFiles' temp files
                }
                try {
                    out.add(json.readValue(Files.readAllBytes(f), JobRecord.class));
                } catch (IOException e) {
                    LOG.warnf("skipping unreadable job journal entry %s: %s", f, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list job journal " + dir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(JobRecord::received, Comparator.nullsLast(Comparator.reverseOrder())));
        return out;
    }

    static boolean validJobId(String jobId) {
        return jobId != null && JOB_ID.matcher(jobId).matches();
    }

    private Path file(String jobId) {
        if (!validJobId(jobId)) {
            throw new IllegalArgumentException("invalid job id '" + jobId + "'");
        }
        return dir.resolve(jobId + ".json");
    }
}
