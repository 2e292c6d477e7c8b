package dev.secateur.model;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The two ends of an architecture that names them its own way (GPT-NeoX's embed_in / embed_out, GPT-J's transformer.wte,
 * ...): a token embedding, a final norm (with a bias where the checkpoint has one), and an output projection that is the
 * embedding when tied or absent, optionally with a bias. Subclasses lay out the blocks.
 */
abstract class OwnNamesAdapter implements ArchitectureAdapter {
    private final String embedding;
    private final String finalNorm;
    private final String head;
    private final boolean headBias;
    private final int vocab;

    /**
     * @param embedding the token embedding's tensor name
     * @param finalNorm the final norm's prefix (prefix.weight, and prefix.bias where stored)
     * @param head the output projection's prefix (prefix.weight, and prefix.bias when {@code headBias})
     * @param headBias whether the projection has a bias (always written, zeros when the model has none, since Hugging Face
     *     would initialise a missing one at random)
     */
    OwnNamesAdapter(String embedding, String finalNorm, String head, boolean headBias, ModelConfig config) {
        this.embedding = embedding;
        this.finalNorm = finalNorm;
        this.head = head;
        this.headBias = headBias;
        this.vocab = config.vocabSize();
    }

    /**
     * The name a tensor written as {@code name} is stored under in this checkpoint: the same here; OPT's official
     * checkpoints keep their weights under decoder. where Hugging Face writes model.decoder.
     */
    protected String stored(Checkpoint ck, String name) {
        return name;
    }

    @Override
    public Embeddings readEmbeddings(Checkpoint ck) {
        return new Embeddings(ck.tensor(stored(ck, embedding), ck.config().vocabSize(), ck.config().hiddenSize()), readPositions(ck));
    }

    @Override
    public String tokenEmbeddingName(Checkpoint ck) {
        return stored(ck, embedding);
    }

    @Override
    public String lmHeadName(Checkpoint ck) {
        return tied(ck) ? tokenEmbeddingName(ck) : head + ".weight";
    }

    @Override
    public boolean tied(Checkpoint ck) {
        return ck.config().tieWordEmbeddings() || !ck.has(head + ".weight");
    }

    @Override
    public Head readHead(Checkpoint ck, boolean withLmHead) {
        ModelConfig c = ck.config();
        int h = c.hiddenSize();
        String norm = stored(ck, finalNorm);
        return new Head(ck.tensor(norm + ".weight", h), ck.has(norm + ".bias") ? ck.tensor(norm + ".bias", h) : null,
                tied(ck) || !withLmHead ? null : ck.tensor(head + ".weight", c.vocabSize(), h),
                headBias ? LlamaAdapter.bias(ck, head + ".bias", c.vocabSize()) : null);
    }

    @Override
    public Map<String, Tensor> writeEmbeddings(Embeddings e) {
        return Map.of(embedding, e.tokens());
    }

    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias) {
        return writeLayer(i, l, mlpBias, false);
    }

    @Override
    public Map<String, Tensor> writeHead(Head h) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        LlamaAdapter.put(out, finalNorm, h.norm(), h.normBias());
        if (h.lmHead() != null) {
            out.put(head + ".weight", h.lmHead());
        }
        if (headBias) {
            out.put(head + ".bias", LlamaAdapter.orZeros(h.lmHeadBias(), vocab, true));
        }
        return out;
    }
}
