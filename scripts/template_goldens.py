#!/usr/bin/env python3
"""Renders every chat template in the shared fixtures with python jinja2, configured as
HuggingFace transformers configures it, for a fixed set of conversations, and writes one JSON golden
file per template under src/test/resources/template-goldens/ (the conversations included).

Environment (as transformers' chat template compiler sets it up): ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, the loopcontrols extension, a {% generation %} block that renders its
body, tojson that keeps non-ASCII characters (json.dumps with ensure_ascii=False and optional indent,
separators, sort_keys), raise_exception(msg) raising a TemplateError, strftime_now(fmt). strftime_now
uses the fixed FIXED_NOW so that goldens are reproducible; the Java test injects the same instant.

It also renders the hand-written engine snippets in src/test/resources/template-snippets/cases.json
(each a template, a context and a name) into expected.json beside it.

Usage: python3 scripts/template_goldens.py [fixtures/templates dir] [output dir]
"""
import copy
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXED_NOW = datetime(2024, 7, 26, 9, 5, 3)


class GenerationBlock(Extension):
    """{% generation %}...{% endgeneration %}: renders its body (transformers tracks the span)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return FIXED_NOW.strftime(fmt)


def make_env():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationBlock, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Zürich"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}

TOOL_CALL = {
    "id": "call12345",
    "type": "function",
    "function": {"name": "get_weather", "arguments": {"city": "Zürich", "unit": "celsius"}},
}


TOOL_CALL_STRING_ARGS = {
    "id": "call67890",
    "type": "function",
    "function": {"name": "get_time", "arguments": "{\"timezone\": \"Europe/Zurich\"}"},
}

SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search_docs",
        "description": "Search the documentation.\nReturns matching passages.",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What to look for"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
                "score": {"type": "number", "description": "Minimum score", "default": 0.5},
                "exact": {"type": "boolean", "default": False},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["api", "guide", "faq"]}},
                "filter": {"type": "object", "properties": {"since": {"type": "string", "format": "date"},
                                                            "lang": {"type": ["string", "null"]}},
                           "required": ["since"]},
            },
            "required": ["query", "tags"],
        },
    },
}

TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current local time",
        "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}}, "required": []},
    },
}


def conversations(source):
    uses_thinking = "enable_thinking" in source
    base = {"bos_token": "<s>", "eos_token": "</s>"}
    convs = [
        ("user_only", {"messages": [{"role": "user", "content": "Hello!"}], "add_generation_prompt": True}),
        ("system_user", {"messages": [{"role": "system", "content": "You are a helpful assistant."},
                                      {"role": "user", "content": "What is 2+2?"}],
                         "add_generation_prompt": True}),
        ("multi_turn", {"messages": [{"role": "user", "content": "Hi there"},
                                     {"role": "assistant", "content": "Hello! How can I help?"},
                                     {"role": "user", "content": "Tell me a joke about \"quotes\" & ünïcode ☃."}],
                        "add_generation_prompt": True}),
        ("multi_turn_no_gen", {"messages": [{"role": "system", "content": "Be brief."},
                                            {"role": "user", "content": "Hi"},
                                            {"role": "assistant", "content": "Hello."}],
                               "add_generation_prompt": False}),
        ("tools", {"messages": [{"role": "system", "content": "You can call tools."},
                                {"role": "user", "content": "What's the weather in Zürich?"},
                                {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]},
                                {"role": "tool", "tool_call_id": "call12345", "name": "get_weather",
                                 "content": "{\"temperature\": 21, \"unit\": \"celsius\"}"}],
                   "tools": [WEATHER_TOOL], "add_generation_prompt": True}),
        ("content_parts", {"messages": [{"role": "user", "content": [{"type": "text", "text": "Describe this."},
                                                                     {"type": "text", "text": "Briefly, please."}]}],
                           "add_generation_prompt": True}),
    ]
    convs += [
        ("tools_no_calls", {"messages": [{"role": "user", "content": "Hi, what can you do?"}],
                            "tools": [WEATHER_TOOL, TIME_TOOL], "add_generation_prompt": True}),
        ("parallel_tool_calls", {"messages": [{"role": "user", "content": "Weather in Zürich and Bern?"},
                                              {"role": "assistant", "content": "",
                                               "tool_calls": [TOOL_CALL, dict(TOOL_CALL, id="call22222", function={
                                                   "name": "get_weather", "arguments": {"city": "Bern"}})]},
                                              {"role": "tool", "tool_call_id": "call12345", "name": "get_weather",
                                               "content": "sunny"},
                                              {"role": "tool", "tool_call_id": "call22222", "name": "get_weather",
                                               "content": "rainy"},
                                              {"role": "assistant", "content": "Zürich is sunny, Bern rainy."},
                                              {"role": "user", "content": "Thanks"}],
                                 "tools": [WEATHER_TOOL], "add_generation_prompt": True}),
        ("tool_edge_cases", {"messages": [{"role": "user", "content": "Weather and time in Zürich?"},
                                              {"role": "assistant", "content": None,
                                               "tool_calls": [TOOL_CALL, TOOL_CALL_STRING_ARGS]},
                                              {"role": "tool", "tool_call_id": "call12345", "name": "get_weather",
                                               "content": "sunny"},
                                              {"role": "tool", "tool_call_id": "call67890", "name": "get_time",
                                               "content": "12:00"},
                                              {"role": "assistant", "content": "Sunny, and it is noon."},
                                              {"role": "user", "content": "Thanks"}],
                                 "tools": [WEATHER_TOOL, TIME_TOOL], "add_generation_prompt": True}),
        ("reasoning_history", {"messages": [{"role": "system", "content": "Think first."},
                                            {"role": "user", "content": "2+2?"},
                                            {"role": "assistant", "content": "<think>\nTwo plus two.\n</think>\n\n4",
                                             "reasoning_content": "Two plus two."},
                                            {"role": "user", "content": "And 3+3?"}],
                               "add_generation_prompt": True}),
        ("system_parts", {"messages": [{"role": "system", "content": [{"type": "text", "text": "Sys part."}]},
                                       {"role": "user", "content": "Hi"}],
                          "add_generation_prompt": False}),
    ]
    convs += [
        ("complex_tool_schema", {"messages": [{"role": "system", "content": "Use tools when helpful."},
                                              {"role": "user", "content": "Find API docs since 2024 about auth"},
                                              {"role": "assistant", "content": "Searching.", "tool_calls": [{
                                                  "id": "call33333", "type": "function", "function": {
                                                      "name": "search_docs",
                                                      "arguments": {"query": "auth", "limit": 5, "score": 0.75,
                                                                    "exact": True, "tags": ["api", "faq"],
                                                                    "filter": {"since": "2024-01-01", "lang": None}}}}]},
                                              {"role": "tool", "tool_call_id": "call33333", "name": "search_docs",
                                               "content": "[{\"title\": \"Auth\", \"score\": 0.9}]"}],
                                 "tools": [SEARCH_TOOL, WEATHER_TOOL], "add_generation_prompt": True}),
        ("empty_messages", {"messages": [], "add_generation_prompt": True}),
        ("only_system", {"messages": [{"role": "system", "content": "Only a system prompt."}],
                         "add_generation_prompt": True}),
        ("whitespace_content", {"messages": [{"role": "user", "content": "  padded\n\n"},
                                             {"role": "assistant", "content": "\n  answer with trailing spaces  \n"},
                                             {"role": "user", "content": "line1\nline2\r\n\ttabbed"}],
                                "add_generation_prompt": True}),
    ]
    if "builtin_tools" in source:
        convs.append(("builtin_tools", {"messages": [{"role": "user", "content": "Compute 2**10 in python."}],
                                        "builtin_tools": ["code_interpreter", "brave_search"],
                                        "tools": [WEATHER_TOOL], "date_string": "26 Jul 2024",
                                        "add_generation_prompt": True}))
    if "thinking" in source:
        convs.append(("assistant_thinking_field", {"messages": [{"role": "user", "content": "Hi"},
                                                                {"role": "assistant", "content": "Hello!",
                                                                 "thinking": "User greets; reply."},
                                                                {"role": "user", "content": "Bye"}],
                                                   "add_generation_prompt": True}))
    if uses_thinking:
        convs.append(("no_thinking", {"messages": [{"role": "user", "content": "Hello!"}],
                                      "add_generation_prompt": True, "enable_thinking": False}))
        convs.append(("thinking", {"messages": [{"role": "user", "content": "Hello!"},
                                                {"role": "assistant", "content": "Hi.", "reasoning_content": "Greet."},
                                                {"role": "user", "content": "Again"}],
                                   "add_generation_prompt": True, "enable_thinking": True}))
    if "reasoning_effort" in source:
        convs.append(("reasoning_effort", {"messages": [{"role": "user", "content": "Hello!"}],
                                           "add_generation_prompt": True, "reasoning_effort": "high"}))
    if "documents" in source:
        convs.append(("documents", {"messages": [{"role": "user", "content": "Summarize."}],
                                    "documents": [{"title": "Doc A", "text": "Alpha text."},
                                                  {"title": "Doc B", "text": "Beta text."}],
                                    "add_generation_prompt": True}))
    out = []
    for name, ctx in convs:
        full = dict(base)
        full.update(ctx)
        out.append((name, full))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "fixtures", "templates")
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "src", "test", "resources", "template-goldens")
    os.makedirs(dst, exist_ok=True)
    env = make_env()
    for fname in sorted(os.listdir(src)):
        if not fname.endswith(".jinja"):
            continue
        with open(os.path.join(src, fname), encoding="utf-8") as f:
            source = f.read()
        cases = []
        try:
            template = env.from_string(source)
            compile_error = None
        except Exception as e:  # noqa: BLE001 (every failure becomes an expected error)
            template = None
            compile_error = "%s: %s" % (type(e).__name__, e)
        for name, ctx in conversations(source):
            case = {"name": name, "context": ctx}
            if template is None:
                case["error"] = compile_error
            else:
                try:
                    case["expected"] = template.render(**copy.deepcopy(ctx))
                except Exception as e:  # noqa: BLE001
                    case["error"] = "%s: %s" % (type(e).__name__, e)
            cases.append(case)
        golden = {"template": fname, "jinja2": jinja2.__version__, "now": FIXED_NOW.isoformat(), "cases": cases}
        with open(os.path.join(dst, fname[:-len(".jinja")] + ".json"), "w", encoding="utf-8") as f:
            json.dump(golden, f, ensure_ascii=False, indent=1)
            f.write("\n")
        errors = sum(1 for c in cases if "error" in c)
        print("%-60s %d cases, %d errors" % (fname, len(cases), errors))


def snippets():
    here = os.path.dirname(os.path.abspath(__file__))
    folder = os.path.join(here, "..", "src", "test", "resources", "template-snippets")
    with open(os.path.join(folder, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    env = make_env()
    out = []
    for case in cases:
        case = dict(case)
        try:
            case["expected"] = env.from_string(case["template"]).render(**copy.deepcopy(case["context"]))
        except Exception as e:  # noqa: BLE001
            case["error"] = "%s: %s" % (type(e).__name__, e)
        out.append(case)
    golden = {"jinja2": jinja2.__version__, "now": FIXED_NOW.isoformat(), "cases": out}
    with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("snippets: %d cases, %d errors" % (len(out), sum(1 for c in out if "error" in c)))


# ---- differential fuzz: random templates from a small grammar, rendered by jinja2 ------------------

ATOMS = ["x", "y", "m", "m.a", "messages", "messages[0]", "messages[0].role", "none", "true", "false", "0", "1", "-2",
         "2.5", "'ab c'", "''", "[]", "[1, 'a']", "{}", "{'k': 1, 'j': [2]}", "(1, 2)", "nope", "range(3)", "ns.v",
         "messages[1].content", "'A,b, C'", "7", "0.1", "'ünï'", "[3, 1, 2]", "['b', 'A', 'c']",
         "'q\\'s \"d\"\\n'", "{'z': {'y': [1, {'x': none}]}}", "m.a[1]", "messages|last", "'  pad  '",
         "(messages|first).content", "[none, 0, '', 'ok']", "1e3", "-0.0", "3 // 2", "10 ** 2", "(1,)",
         "'x' if false", "dict(p=1, q='r')", "namespace(a=1).a", "'%s-%s' % (1, 'b')", "'{}|{}'.format(x, y)"]
BINOPS = [" + ", " - ", " * ", " / ", " // ", " % ", " ~ ", " == ", " != ", " < ", " >= ", " in ", " not in ",
          " and ", " or "]
POSTFIX = ["|length", "|tojson", "|trim", "|join(',')", "|list", "|first", "|last", "|int", "|float", "|string",
           "|upper", "|lower", "|default(1)", "|select|list", "|sort", "|unique|list", "|reverse|list", "|sum", "|min",
           "|max", "|abs", "|round", "|indent(2)", "|batch(2)|list", "|tojson(indent=1)", " is defined", " is string",
           " is mapping", " is iterable", " is sequence", " is number", " is none", " is odd", ".split(',')",
           ".strip()", ".get('k')", ".items()|list", ".keys()|list", ".startswith('a')", ".replace('a', 'b')",
           ".upper()", ".title()", "[0]", "[1:]", "[::-1]", "['k']", ".a", "|wordcount", "|capitalize", "|title",
           "|count", "|dictsort", "|items|list", "|map('string')|list", "|reject('none')|list", ".endswith(('c', 'C'))",
           ".find('b')", ".count('a')", ".lstrip('A')", ".rsplit(',', 1)", "|replace(',', ';')", "|float|round(1)",
           " is not none", "|selectattr('role', 'eq', 'user')|list", "|map(attribute='role')|join('/')",
           "|tojson(sort_keys=true)", "|tojson(separators=(',', ':'))", " is in [1, 'a']", " is equalto 1",
           " is divisibleby 3", " is true", " is boolean", " is integer", " is float", "|d('dflt', true)",
           ".splitlines()", ".split()", ".lstrip()", ".rstrip(' \\n')", ".isdigit()", ".capitalize()",
           ".partition(',')", "|sort(reverse=true)", "|sort(attribute='role')", "|unique(attribute='role')|list",
           "|rejectattr('content', 'none')|list", "|batch(2, 0)|list", "|center(9)", "|indent(2, true)",
           "|string|length", "|list|length", "|trim('a')", "|replace('a', '', 1)", "[-1]", "[1::2]", "[:-1]",
           " ~ '!'", "|items|map('first')|list", "|dictsort(reverse=true)", "|tojson|length", "|first|string"]


def rexpr(rnd, depth):
    e = rnd.choice(ATOMS)
    if depth > 0 and rnd.randrange(3) == 0:
        e = "(" + rexpr(rnd, depth - 1) + rnd.choice(BINOPS) + rexpr(rnd, depth - 1) + ")"
    if rnd.random() < 0.5:
        e += rnd.choice(POSTFIX)
    if depth > 0 and rnd.randrange(5) == 0:
        e = "(" + e + " if " + rexpr(rnd, depth - 1) + " else " + rexpr(rnd, depth - 1) + ")"
    if depth > 0 and rnd.randrange(8) == 0:
        e = "not " + e
    return e


def rblock(rnd, out, depth):
    for _ in range(1 + rnd.randrange(4)):
        ws = rnd.choice(["", "-"])
        ws2 = rnd.choice(["", "-"])
        k = rnd.randrange(4) if depth <= 0 else rnd.randrange(13)
        if k == 0:
            out.append("{{" + ws + " " + rexpr(rnd, 2) + " " + ws2 + "}}")
        elif k == 1:
            out.append(rnd.choice(["\n  text ", " t\n", "\n", "  \n\t", "|"]))
        elif k == 2:
            out.append("{%" + ws + " set a = " + rexpr(rnd, 1) + " " + ws2 + "%}{{ a }}")
        elif k == 3:
            out.append("{% set ns.v = " + rexpr(rnd, 1) + " %}\n")
        elif k == 4:
            out.append("{%" + ws + " for a in " + rexpr(rnd, 1) + rnd.choice(["", " if a"]) + " " + ws2 + "%}")
            out.append(rnd.choice(["{{ loop.index }}", "{{ loop.first }}{{ loop.last }}", "{{ a }}", "\n",
                                   "{{ loop.previtem }}", "{{ loop.revindex }}:{{ loop.length }}"]))
            rblock(rnd, out, depth - 1)
            if rnd.randrange(3) == 0:
                out.append(rnd.choice(["{% break %}", "{% continue %}", "{% if loop.index > 1 %}{% break %}{% endif %}"]))
            if rnd.randrange(4) == 0:
                out.append("{% else %}")
                rblock(rnd, out, depth - 1)
            out.append("{% endfor %}")
        elif k in (5, 6):
            out.append("{%" + ws + " if " + rexpr(rnd, 1) + " " + ws2 + "%}")
            rblock(rnd, out, depth - 1)
            if rnd.random() < 0.5:
                out.append("{% elif " + rexpr(rnd, 1) + " %}")
                rblock(rnd, out, depth - 1)
            if rnd.random() < 0.5:
                out.append("{%- else -%}")
                rblock(rnd, out, depth - 1)
            out.append("{% endif %}\n")
        elif k == 7:
            out.append("{% macro mm(a, b=" + rexpr(rnd, 0) + ") %}")
            rblock(rnd, out, depth - 1)
            out.append("{{ b }}{% endmacro %}{{ mm(" + rexpr(rnd, 1) + ") }}")
        elif k == 8:
            out.append("{% filter " + rnd.choice(["upper", "trim", "title"]) + " %}")
            rblock(rnd, out, depth - 1)
            out.append("{% endfilter %}")
        elif k == 9:
            out.append("{% set blk %}")
            rblock(rnd, out, depth - 1)
            out.append("{% endset %}[{{ blk }}]")
        elif k == 10:
            out.append("{% for k, v in " + rnd.choice(["m.items()", "{'a': 1, 'b': [2]}|dictsort", "[(1, 2), (3, 4)]",
                                                       "m|items", "messages|map(attribute='role')|batch(1)|list"])
                       + " %}{{ k }}={{ v }}{{ loop.cycle(',', ';') }}")
            rblock(rnd, out, depth - 1)
            out.append("{% endfor %}")
        elif k == 11:
            out.append("{% macro mk(p, q='d', r=none) %}<{{ p }}|{{ q }}|{{ r }}>{% endmacro %}{{ mk("
                       + rexpr(rnd, 0) + rnd.choice(["", ", r=1", ", q=" + rexpr(rnd, 0), ", 2, 3"]) + ") }}")
        else:
            out.append("    {% if true %}\n  x\n    {% endif %}\n")


WS_TEXT = ["\n", "  ", "\t", " \n ", "\n\n", "a", " b ", "\r\n", "  \n", "\n    ", "x\n  "]
WS_TAGS = ["{%{s} if true {e}%}", "{%{s} if false {e}%}", "{%{s} endif {e}%}", "{%{s} else {e}%}", "{{{s} 'v' {e}}}",
           "{#{s} c {e}#}", "{%{s} set q = 1 {e}%}", "{%{s} for i in [1, 2] {e}%}", "{%{s} endfor {e}%}",
           "{%{s} raw {e}%} r {%{s} endraw {e}%}"]


def ws_fuzz_template(rnd):
    out = []
    depth_if = depth_for = 0
    for _ in range(rnd.randrange(3, 16)):
        if rnd.random() < 0.5:
            out.append(rnd.choice(WS_TEXT))
            continue
        tag = rnd.choice(WS_TAGS)
        s, e = rnd.choice(["", "-", "+"]), rnd.choice(["", "-", "+"])
        if tag.startswith("{{") or tag.startswith("{#"):
            e = e.replace("+", "")
            if tag.startswith("{{"):
                s = s.replace("+", "")
        if "endif" in tag or "else" in tag:
            if depth_if == 0:
                continue
            if "endif" in tag:
                depth_if -= 1
        if "if true" in tag or "if false" in tag:
            depth_if += 1
        if "endfor" in tag:
            if depth_for == 0:
                continue
            depth_for -= 1
        elif "for i" in tag:
            depth_for += 1
        out.append(tag.replace("{s}", s).replace("{e}", e))
    out.extend(["{% endif %}"] * depth_if)
    out.extend(["{% endfor %}"] * depth_for)
    return "".join(out)


FUZZ_CONTEXT = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
                "x": 3, "y": "why", "m": {"a": [1, 2.5, "z"]}}


def fuzz(successes=800, errors=150, seed=20240726):
    import random
    import warnings
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    here = os.path.dirname(os.path.abspath(__file__))
    folder = os.path.join(here, "..", "src", "test", "resources", "template-snippets")
    rnd = random.Random(seed)
    env = make_env()
    cases = []
    ok = bad = 0
    while ok < successes or bad < errors:
        if ok % 3 == 2 and rnd.random() < 0.5:
            src = ws_fuzz_template(rnd)
        else:
            out = ["{% set ns = namespace(v=[1, 2]) %}"]
            rblock(rnd, out, 3)
            src = "".join(out)
        case = {"name": "fuzz%d" % len(cases), "template": src, "context": FUZZ_CONTEXT}
        try:
            case["expected"] = env.from_string(src).render(**copy.deepcopy(FUZZ_CONTEXT))
        except Exception as e:  # noqa: BLE001
            case["error"] = "%s: %s" % (type(e).__name__, e)
        if " object at 0x" in case.get("expected", "") or "generator object" in case.get("expected", ""):
            continue  # Python object addresses: not reproducible
        if "error" in case:
            if bad >= errors:
                continue
            bad += 1
        else:
            if ok >= successes:
                continue
            ok += 1
        cases.append(case)
    golden = {"jinja2": jinja2.__version__, "now": FIXED_NOW.isoformat(), "seed": seed, "cases": cases}
    with open(os.path.join(folder, "fuzz-expected.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("fuzz: %d cases, %d errors" % (len(cases), sum(1 for c in cases if "error" in c)))


if __name__ == "__main__":
    main()
    snippets()
    fuzz()
