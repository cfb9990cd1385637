package io.github.moe4j.template;

import io.github.moe4j.api.ChatTemplateException;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

/** A parsed template; each render gets its own {@link Renderer}. */
final class JinjaTemplate implements ChatTemplate {
    private final String name;
    private final List<Ast.Stmt> body;
    private final Clock clock;

    JinjaTemplate(String name, List<Ast.Stmt> body, Clock clock) {
        this.name = name;
        this.body = body;
        this.clock = clock;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String render(Map<String, ?> context) {
        Renderer r = new Renderer(() -> LocalDateTime.now(clock));
        try {
            return r.render(body, context);
        } catch (TemplateError e) {
            throw new ChatTemplateException(name, e.line, e.getMessage());
        } catch (StackOverflowError e) {
            throw new ChatTemplateException(name, r.line, "template recursion too deep");
        } catch (RuntimeException e) {
            throw new ChatTemplateException(name, r.line, "internal error: " + e, e);
        }
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + name + "]";
    }
}
