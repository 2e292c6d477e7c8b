package dev.secateur.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What an export takes from the tokenizer's folder: tokenizer.json, and the files that hold the chat template,
 * the special tokens and the tokens generation stops at (tokenizer_config.json, chat_template.jinja, a processor's
 * chat_template.json, generation_config.json) when they sit beside it, so a served version chats and stops the way its source model does.
 */
final class TokenizerFiles {

    static final List<String> COMPANIONS = List.of("tokenizer_config.json", "chat_template.jinja",
            "chat_template.json", "generation_config.json");

    private TokenizerFiles() {
    }

    /** Copies tokenizer into outDir/tokenizer.json (atomically) and its companions; returns the files written. */
    static List<Path> copy(Path tokenizer, Path outDir) {
        List<Path> written = new ArrayList<>();
        written.add(copyOne(tokenizer, outDir.resolve(ModelExport.TOKENIZER_FILE)));
        Path folder = tokenizer.toAbsolutePath().getParent();
        for (String name : COMPANIONS) {
            Path source = folder == null ? null : folder.resolve(name);
            if (source != null && Files.isRegularFile(source)) {
                written.add(copyOne(source, outDir.resolve(name)));
            }
        }
        return written;
    }

    private static Path copyOne(Path source, Path dest) {
        try {
            if (!source.toAbsolutePath().normalize().equals(dest.toAbsolutePath().normalize())) {
                Path tmp = dest.resolveSibling(dest.getFileName() + ".tmp");
                Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return dest;
        } catch (IOException e) {
            throw new OnnxExportException(dest + ": cannot copy from " + source + " (" + e + ")", e);
        }
    }
}
