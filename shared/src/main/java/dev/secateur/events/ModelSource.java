package dev.secateur.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.secateur.store.ModelNames;

/**
 * Where the model to prune comes from: a stored model (so prunes can chain: prune v3 of a pruned model),
 * or a Hugging Face checkpoint folder. Exactly one of {@code model} and {@code path} is set.
 *
 * @param version null means the store's latest published version
 */
public record ModelSource(String model, Integer version, String path) {

    public static ModelSource ofModel(String model, Integer version) {
        return new ModelSource(model, version, null);
    }

    public static ModelSource ofPath(String path) {
        return new ModelSource(null, null, path);
    }

    @JsonIgnore // derived; would otherwise be written as a "storeModel" field
    public boolean isStoreModel() {
        return model != null;
    }

    void validate() {
        if (model != null && path != null) {
            throw new RequestValidationException("source", "give either model or path, not both");
        }
        if (model == null && path == null) {
            throw new RequestValidationException("source", "needs model (a stored model name) or path (a checkpoint folder)");
        }
        if (model != null) {
            String reason = ModelNames.reasonInvalid(model);
            if (reason != null) {
                throw new RequestValidationException("source.model", "'" + model + "' " + reason);
            }
            if (version != null && version < 1) {
                throw new RequestValidationException("source.version", "must be >= 1 (or null for latest), was " + version);
            }
        } else {
            if (path.isBlank()) {
                throw new RequestValidationException("source.path", "must not be blank");
            }
            if (version != null) {
                throw new RequestValidationException("source.version", "only applies to a stored model, not a path");
            }
        }
    }
}
