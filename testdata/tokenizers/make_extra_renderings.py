"""Regenerates extra_renderings.json: chat-template cases rendered by Jinja2 the way Hugging Face
transformers' apply_chat_template renders them (ImmutableSandboxedEnvironment, trim_blocks,
lstrip_blocks, loopcontrols, tojson with ensure_ascii=False, raise_exception, special tokens as
strings). Run: python3 make_extra_renderings.py  (jinja2 3.1.x)."""
import json
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.exceptions import TemplateError


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers/utils/chat_template_utils.py
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

qwen = json.load(open("qwen2_5/tokenizer_config.json"))["chat_template"]
r1 = json.load(open("deepseek_r1_distill_qwen/tokenizer_config.json"))["chat_template"]

conv = [{"role": "system", "content": "  Be brief.\n"}, {"role": "user", "content": "Dose of {{ drug }}?\n\n"},
        {"role": "assistant", "content": "<think>a</think>b</think>"}, {"role": "user", "content": "x"}]
tools = [{"type": "function", "function": {"name": "lookup_drug", "description": "Find a drug — “quoted”",
          "parameters": {"type": "object", "properties": {"name": {"type": "string"}, "max": {"type": "integer", "default": 3}},
                         "required": ["name"]}}}]

WS = """<s>
  {%- for m in messages %}
    {{- m.role }}: {{ m.content | trim }}
    {% if loop.last -%}   LAST   {%- endif %}
  {# comment #}
    {#- stripped comment -#}
  [{{ m.content.split('</think>')[-1] }}]
  {%- endfor %}
{% raw %}  {{ not rendered }}  {%- raw -%}{% endraw %}
{% raw -%}
   kept {# as text #}
{%- endraw %}|
{{ '-%}' }} {{ "}}" }}
</s>"""

PY = """{% set ns = namespace(n=0, acc='') %}
{%- for m in messages %}{% set ns.n = ns.n + 1 %}{% set ns.acc = ns.acc + m.role[0] %}{% endfor -%}
n={{ ns.n }} acc={{ ns.acc }}
{% for m in messages %}
{{ loop.index0 }} {{ loop.cycle('odd', 'even') }} {{ m.content.strip() }}|{{ m.content.lstrip() }}|{{ m.content.rstrip() }}|{{ m.content.strip('D?\\n ') }}
{{ m.content.split() | join('/') }} {{ m.content.split('</think>') | join('/') }} {{ m.content.rsplit('</think>', 1) | join('/') }} {{ m.content.split(None, 1) | join('/') }} {{ m.content.split('</think>')[-1] }}
{{ 'T' if m.content.startswith('<think>') else 'F' }} {{ 'T' if m.content.endswith(('>', '?')) else 'F' }} {{ m.role.upper() }} {{ m.role.title() }} {{ m.content.replace('</think>', '#', 1) }}
{{ m.content.find('a') }} {{ m.content.count('</think>') }} {{ '-'.join(m.content.splitlines()) }} {{ m.content | length }}
{% endfor %}
{%- if add_generation_prompt %}GEN{% endif %}
{{ tools | tojson }}
{{ tools[0].function.parameters | tojson(indent=2) }}
{% for k, v in tools[0].function.parameters.properties.items() %}{{ k }}={{ v.type }};{% endfor %}
{{ tools[0].get('missing', 'dflt') }} {{ 'x' if tools is defined else 'y' }} {{ 'x' if undefined_thing is defined else 'y' }}"""

OPS = """{% macro b(v) %}{{ 'T' if v else 'F' }}{% endmacro %}
{{ b(not 1 == 2) }}|{{ b(not x is defined) }}|{{ b(not messages[0].role is none) }}|{{ b('a' not in 'abc') }}|{{ b(not 'a' in 'abc') }}|{{ b(messages[0].content is not none) }}
{% if not messages[0].role == 'user' and not (messages | length) < 2 %}A{% else %}B{% endif %}
{{ 'yes' if not messages[-1].role == 'assistant' else 'no' }}|{{ 'y' if not messages[1].role == 'user' or not messages[0].role != 'system' else 'n' }}
{% set ns = namespace(f=false, n=0) %}{% for m in messages %}{% if not m.role == 'system' %}{% set ns.n = ns.n + 1 %}{% endif %}{% set ns.f = not ns.f %}{% endfor %}{{ ns.n }}{{ b(ns.f) }}
{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|{{ (messages | length) // 3 }}|{{ 7 % 4 }}"""

# Qwen3-style backwards scan for the last user query (messages[::-1], loop controls).
SCAN = """{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and not message.content.startswith('<tool_response>') %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.role == "assistant" and loop.index0 > ns.last_query_index %}
        {{- '<|im_start|>assistant\n<think>\n' + message.content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') + '\n</think>\n\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>assistant\n' + message.content.split('</think>')[-1].lstrip('\n') }}
    {%- else %}
        {{- '<|im_start|>' + message.role + '\n' + message.content }}
    {%- endif %}
    {%- if loop.index0 == 1 %}{% continue %}{% endif %}
    {{- '<|im_end|>\n' }}
    {%- if loop.index0 > 3 %}{% break %}{% endif %}
{%- endfor %}
{{- (messages[::-1] | first).role }}|{{ messages[1:][::-1][0].role }}|{{ '[::-1]' }}"""

cases = [
    {"name": "qwen2_5 with tools", "template": qwen, "messages": conv[:2], "add_generation_prompt": True,
     "variables": {"tools": tools}},
    {"name": "qwen2_5 messages with template syntax and whitespace", "template": qwen, "messages": conv,
     "add_generation_prompt": True, "variables": {}},
    {"name": "r1 messages with several </think>", "template": r1, "messages": conv, "add_generation_prompt": False,
     "variables": {}},
    {"name": "whitespace control", "template": WS, "messages": conv, "add_generation_prompt": True, "variables": {}},
    {"name": "python methods", "template": PY, "messages": conv, "add_generation_prompt": True,
     "variables": {"tools": tools}},
    {"name": "operator precedence of not", "template": OPS, "messages": conv, "add_generation_prompt": True,
     "variables": {}},
    {"name": "qwen3-style reverse scan", "template": SCAN,
     "messages": conv + [{"role": "assistant", "content": "<think>\nplan\n</think>\n\nanswer"},
                         {"role": "user", "content": "<tool_response>r</tool_response>"}],
     "add_generation_prompt": False, "variables": {}},
]
special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": None, "pad_token": None}
for c in cases:
    c["bos_token"], c["eos_token"] = special["bos_token"], special["eos_token"]
    c["rendered"] = env.from_string(c["template"]).render(
        messages=c["messages"], add_generation_prompt=c["add_generation_prompt"], **special, **c["variables"])
    if c["template"] in (qwen, r1):
        c["template"] = "qwen2_5" if c["template"] == qwen else "deepseek_r1_distill_qwen"
json.dump({"generator": "make_extra_renderings.py with jinja2 " + __import__("jinja2").__version__, "cases": cases},
          open("extra_renderings.json", "w"), ensure_ascii=False, indent=1)
print("\n=====\n".join(c["rendered"] for c in cases))
