package dev.secateur.serve.engine;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.serve.chat.ChatFormat;
import dev.secateur.serve.chat.ChatTemplate;
import dev.secateur.runtime.OrtEncoder;
import dev.secateur.tokenizer.SentenceTokenizer;
import dev.secateur.tokenizer.TextTokenizer;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens model.onnx on ONNX Runtime, as a decoder (with its chat template) or, when its metadata says secateur.kind=encoder, as an
 * {@link EncoderEngine} (CUDA attempted when enabled, CPU fallback) and tokenizer.json. The
 * store has already re-hashed the folder, so the decoder does not verify the manifest a second time.
 */
@ApplicationScoped
public class OrtEngineFactory implements EngineFactory {

    static final String TOKENIZER = "tokenizer.json";
    static final String MODEL = "model.onnx";

    @Override
    public LoadedModel open(Path dir, RuntimeOptions o) {
        if (OnnxKind.ENCODER.equals(OnnxKind.of(dir.resolve(MODEL)))) {
            return openEncoder(dir, o);
        }
        OrtDecoder decoder = OrtDecoder.open(dir, new OrtDecoder.Options(o.intraOpThreads(), optLevel(o.optimization()),
                o.cuda(), 0, false));
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
    private static LoadedModel openEncoder(Path dir, RuntimeOptions o) {
        OrtEncoder encoder = OrtEncoder.open(dir.resolve(MODEL), o.intraOpThreads(), o.cuda());
        try {
            SentenceTokenizer tokenizer = SentenceTokenizer.load(dir.resolve(TOKENIZER));
            return new LoadedModel(new EncoderEngine(encoder, tokenizer), new EncoderEngine.SentenceCodec(tokenizer));
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
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
