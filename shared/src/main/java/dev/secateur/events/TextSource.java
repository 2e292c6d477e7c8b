package dev.secateur.events;

import dev.secateur.store.ModelNames;

import java.util.Optional;

/**
 * Calibration and eval text: a file path, or a dataset uploaded to the model store. A request names a
 * dataset as {@code {"dataset": "name"}}; after parsing it travels as the string {@code dataset:name}, so the
 * request record (and every engine reading it) keeps one String field, and the journalled JSON re-parses to
 * the same value.
 */
public final class TextSource {

    public static final String DATASET_PREFIX = "dataset:";

    private TextSource() {
    }

    public static String ofDataset(String name) {
        return DATASET_PREFIX + name;
    }

    /** The dataset name, when the reference names one rather than a file. */
    public static Optional<String> dataset(String reference) {
        return reference != null && reference.startsWith(DATASET_PREFIX)
                ? Optional.of(reference.substring(DATASET_PREFIX.length())) : Optional.empty();
    }

    static void validate(String field, String reference) {
        Optional<String> name = dataset(reference);
        if (name.isPresent()) {
            String reason = ModelNames.reasonInvalid(name.get());
            if (reason != null) {
                throw new RequestValidationException(field + ".dataset", "'" + name.get() + "' " + reason);
            }
        }
    }
}
