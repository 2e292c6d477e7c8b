package dev.secateur.serve.api.openai;

import dev.secateur.serve.chat.ToolCallSyntax;
import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.generate.ChoiceListener;
import dev.secateur.serve.generate.ScoredToken;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Between the generator and a chat stream when the request has tools: text goes on as content until a call may
 * begin; from there it is held, and when the choice ends it goes out as tool calls if it parses as calls, else as
 * the content it is (nothing generated is dropped).
 */
final class ToolCallStream implements ChoiceListener {

    private final ChoiceListener content;
    private final ToolCallSyntax syntax;
    private final BiConsumer<Integer, List<ToolCallSyntax.Call>> calls;
    private final Map<Integer, Choice> choices = new HashMap<>();

    /** @param calls sends a choice's calls and its finish (tool_calls) */
    ToolCallStream(ChoiceListener content, ToolCallSyntax syntax, BiConsumer<Integer, List<ToolCallSyntax.Call>> calls) {
        this.content = content;
        this.syntax = syntax;
        this.calls = calls;
    }

    /** How calls are read from the answer: null without tools, the forced form when tool_choice forces a call. */
    static ToolCallSyntax syntax(ToolRequest tools, AdmittedCompletion admitted) {
        if (tools == null) {
            return null;
        }
        return tools.forced() != null ? ToolCallSyntax.FORCED : admitted.chat().toolCallSyntax().orElseThrow();
    }

    private static final class Choice {
        final StringBuilder text = new StringBuilder();
        final List<ScoredToken> tokens = new ArrayList<>();
        int sent;
        boolean calling;
    }

    @Override
    public void started(int index) {
        choices.put(index, new Choice());
        content.started(index);
    }

    @Override
    public void delta(int index, String text) {
        delta(index, text, List.of());
    }

    @Override
    public void delta(int index, String text, List<ScoredToken> tokens) {
        Choice c = choices.get(index);
        c.text.append(text);
        c.tokens.addAll(tokens);
        if (c.calling) {
            return;
        }
        String all = c.text.toString();
        int start = syntax.start(all);
        if (start >= 0) {
            c.calling = true;
            if (all.substring(c.sent, start).isBlank()) {
                c.sent = start; // blanks before a call are not content (a whole answer strips them too)
            }
            release(index, c, start);
        } else {
            release(index, c, all.length() - syntax.pendingStart(all));
        }
    }

    private void release(int index, Choice c, int upTo) {
        if (upTo > c.sent) {
            content.delta(index, c.text.substring(c.sent, upTo), List.copyOf(c.tokens));
            c.tokens.clear();
            c.sent = upTo;
        }
    }

    @Override
    public void finished(int index, Finish finish) {
        Choice c = choices.remove(index);
        var parsed = syntax.parse(c.text.toString());
        if (parsed.isPresent()) {
            calls.accept(index, parsed.get().calls());
            return;
        }
        release(index, c, c.text.length());
        content.finished(index, finish);
    }
}
