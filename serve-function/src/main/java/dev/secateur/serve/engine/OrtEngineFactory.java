package dev.secateur.serve.engine;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.secateur.onnx.ExportManifest;
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

/**
 * Opens model.onnx on ONNX Runtime, as a decoder (with its chat template) or, when manifest.json (or the graph's
 * metadata) says secateur.kind=encoder, as an
 * {@link EncoderEngine} (CUDA attempted when enabled, CPU fallback) and tokenizer.json; both with the same session
 * options.
 */
@ApplicationScoped
public class OrtEngineFactory implements EngineFactory {

    static final String TOKENIZER = "tokenizer.json";
    static final String MODEL = "model.onnx";

    @Override
    public LoadedModel open(Path dir, RuntimeOptions o) {
        // The store has already re-hashed the folder: the runtime does not verify the manifest a second time.
        OrtDecoder.Options options = new OrtDecoder.Options(o.intraOpThreads(), optLevel(o.optimization()), o.cuda(), 0,
                false, o.spinWait());
        if (OnnxKind.ENCODER.equals(kind(dir))) {
            return openEncoder(dir, options);
        }
        OrtDecoder decoder = OrtDecoder.open(dir, options);
        try {
            TextTokenizer tokenizer = TextTokenizer.load(dir.resolve(TOKENIZER));
            try {
                ChatFormat chat = chat(dir, decoder, tokenizer);
                return new LoadedModel(new OrtEngine(decoder, o.batching(), o.decodeStats()), new TokenizerCodec(tokenizer),
                        chat);
            } catch (RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        } catch (RuntimeException e) {
            decoder.close();
            throw e;
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
            return new LoadedModel(new EncoderEngine(encoder, tokenizer), new EncoderEngine.SentenceCodec(tokenizer));
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
    }

    /** The kind manifest.json records; a folder without one (or without the field) is read from the graph's metadata. */
    static String kind(Path dir) {
        if (Files.isRegularFile(dir.resolve(ExportManifest.FILE))) {
            try {
                String kind = ExportManifest.read(dir).kind();
                if (kind != null) {
                    return OnnxKind.ENCODER.equals(kind) ? OnnxKind.ENCODER : OnnxKind.DECODER;
                }
            } catch (IllegalStateException e) {
                // an unreadable manifest is reported by the store's own verification; fall back to the graph
            }
        }
        return OnnxKind.of(dir.resolve(MODEL));
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
