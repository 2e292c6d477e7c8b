"""Renders a chat template the way Hugging Face's apply_chat_template does (Jinja2 with trim_blocks and
lstrip_blocks, raise_exception, strftime_now, tojson without ASCII escaping), as the reference for
ChatTemplateJinjaParityTest. Reads a JSON list of {"template", "messages", "tools", "add_generation_prompt", "tokens"} on
stdin; prints the list of results, each {"output": ...}, {"raised": message} or {"failed": error}."""
import json
import sys
from datetime import datetime

from jinja2.sandbox import ImmutableSandboxedEnvironment


class Raised(Exception):
    pass


def raise_exception(message):
    raise Raised(message)


def render(request):
    try:
        out = env.from_string(request["template"]).render(messages=request["messages"], tools=request.get("tools"),
                                                         add_generation_prompt=request["add_generation_prompt"],
                                                         **request["tokens"])
        return {"output": out}
    except Raised as e:
        return {"raised": str(e)}
    except Exception as e:  # apply_chat_template would fail too: reported, so the comparison names the template
        return {"failed": f"{type(e).__name__}: {e}"}


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
env.filters["tojson"] = lambda x, indent=None: json.dumps(x, ensure_ascii=False, indent=indent)
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
json.dump([render(r) for r in json.load(sys.stdin)], sys.stdout)
