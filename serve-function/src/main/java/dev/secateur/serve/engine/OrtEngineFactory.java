package dev.secateur.serve.engine;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.secateur.onnx.ExportManifest;
import dev.secateur.onnx.ModelExport;
import dev.secateur.runtime.ModelLoadException;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.runtime.OrtEncoder;
import dev.secateur.serve.chat.ChatFormat;
import dev.secateur.serve.chat.ChatTemplate;
import dev.secateur.tokenizer.SentenceTokenizer;
import dev.secateur.tokenizer.TextTokenizer;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Opens model.onnx on ONNX Runtime as the kind the version's manifest.json records: a decoder (with its chat template)
 * or an {@link EncoderEngine} with tokenizer.json; both with the same session options (CUDA attempted when enabled,
 * CPU fallback). A folder whose manifest names no kind (a version published before manifests carried one) is opened as
 * its graph's metadata says ({@link OnnxKind}). A folder whose manifest and graph disagree is refused, so the version
 * is not served and the one being served stays.
 */
@ApplicationScoped
public class OrtEngineFactory implements EngineFactory {

    private static final Logger LOG = Logger.getLogger(OrtEngineFactory.class);

    static final String TOKENIZER = "tokenizer.json";
    static final String MODEL = "model.onnx";

    @Override
    public LoadedModel open(Path dir, RuntimeOptions o) {
        // The store has already re-hashed the folder: the runtime does not verify the manifest a second time.
        OrtDecoder.Options options = new OrtDecoder.Options(o.intraOpThreads(), optLevel(o.optimization()), o.cuda(), 0,
                false, o.spinWait());
        Optional<String> declared = declaredKind(dir);
        String kind = declared.orElseGet(() -> {
            String read = OnnxKind.of(dir.resolve(MODEL));
            LOG.infof("%s: manifest.json records no kind; model.onnx says %s", dir, read);
            return read;
        });
        LoadedModel model;
        try {
            model = ExportManifest.ENCODER.equals(kind) ? openEncoder(dir, options) : openDecoder(dir, options, o);
        } catch (RuntimeException e) {
            // a graph of the other kind fails to open as this one: say so rather than leave only the runtime's complaint
            if (declared.isPresent()) {
                OnnxKind.recorded(dir.resolve(MODEL)).ifPresent(graphKind -> requireGraphOfKind(dir, declared.get(), graphKind, e));
            }
            throw e;
        }
        if (declared.isPresent()) {
            String graphKind = model.engine().metadata().get(ModelExport.KIND);
            if (graphKind != null) {
                try {
                    requireGraphOfKind(dir, declared.get(), graphKind, null);
                } catch (ModelLoadException e) {
                    model.close();
                    throw e;
                }
            }
        }
        return model;
    }

    private static LoadedModel openDecoder(Path dir, OrtDecoder.Options options, RuntimeOptions o) {
        OrtDecoder decoder = OrtDecoder.open(dir, options);
        try {
            TextTokenizer tokenizer = TextTokenizer.load(dir.resolve(TOKENIZER));
            try {
                ChatFormat chat = chat(dir, decoder, tokenizer);
                return new LoadedModel.Decoder(new OrtEngine(decoder, o.batching(), o.decodeStats(),
                        GenerationConfig.eosTokenIds(dir)),
                        new TokenizerCodec(tokenizer), chat);
            } catch (RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        } catch (RuntimeException e) {
            decoder.close();
            throw e;
        }
    }

    private static void requireGraphOfKind(Path dir, String declared, String graphKind, RuntimeException cause) {
        if (!declared.equals(graphKind)) {
            throw new ModelLoadException(dir + ": manifest.json says kind " + declared + " but model.onnx is "
                    + (ExportManifest.ENCODER.equals(graphKind) ? "an encoder" : "a decoder") + " (" + ModelExport.KIND + "="
                    + graphKind + "); the version is not served", cause);
        }
    }

    /** The folder's chat template (or ChatML) and the tokens that end an assistant turn. */
    private static ChatFormat chat(Path dir, OrtDecoder decoder, TextTokenizer tokenizer) {
        ChatTemplate template = ChatTemplate.load(dir, ChatFormat.fallbackTokens(decoder.bosTokenId(),
                decoder.eosTokenId(), tokenizer::idToToken));
        return ChatFormat.of(template, tokenizer::tokenToId);
    }

    /** secateur.kind = encoder: sentence embeddings, no generation. */
    private static LoadedModel openEncoder(Path dir, OrtDecoder.Options options) {
        OrtEncoder encoder = OrtEncoder.open(dir.resolve(MODEL), options);
        try {
            SentenceTokenizer tokenizer = SentenceTokenizer.load(dir.resolve(TOKENIZER));
            return new LoadedModel.Encoder(new EncoderEngine(encoder, tokenizer));
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
    }

    /**
     * The kind manifest.json records, or empty when it records none (or is unreadable: the store's own verification
     * reports that). A kind other than decoder or encoder is refused: this server cannot know how to run it.
     */
    static Optional<String> declaredKind(Path dir) {
        if (!Files.isRegularFile(dir.resolve(ExportManifest.FILE))) {
            return Optional.empty();
        }
        String kind;
        try {
            kind = ExportManifest.read(dir).kind();
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
        if (kind != null && !kind.equals(ExportManifest.DECODER) && !kind.equals(ExportManifest.ENCODER)) {
            throw new ModelLoadException(dir + ": manifest.json says kind " + kind + ", neither " + ExportManifest.DECODER
                    + " nor " + ExportManifest.ENCODER);
        }
        return Optional.ofNullable(kind);
    }

    static OptLevel optLevel(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "none" -> OptLevel.NO_OPT;
            case "basic" -> OptLevel.BASIC_OPT;
            case "extended" -> OptLevel.EXTENDED_OPT;
            case "all" -> OptLevel.ALL_OPT;
            default -> throw new IllegalArgumentException("secateur.serve.optimization must be none, basic, extended or all, got "
                    + name);
        };
    }
}
