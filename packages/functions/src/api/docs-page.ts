import { createHash } from "node:crypto";

/**
 * The `/docs` page: interactive API docs with no external assets (the machine may be offline).
 * Its script reads `/openapi.json` and shows every operation with its parameters, the schema of
 * its request body and of its success response (fields, types, constraints, descriptions), an
 * example of each (the document's `example`s, else one built from the schema), and a "try it"
 * form whose body starts as the example.
 *
 * The script is plain ES2020 in a string (no bundler touches it), written without backticks or
 * `${` so this template literal needs no escapes beyond `\\`.
 */
export const DOCS_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Myriad API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#1d2330}
code,pre{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f4f5f7;border-radius:3px}
code{padding:1px 4px}pre{padding:.5rem .75rem;overflow:auto;margin:.25rem 0}
details.op{border:1px solid #d8dbe2;margin:.5rem 0;padding:.5rem .75rem;border-radius:6px}
details.op>summary{cursor:pointer}details.op[open]>summary{margin-bottom:.5rem}
.m{display:inline-block;width:4.2rem;font-weight:600}.m-get{color:#1d6f42}.m-post{color:#1f5fa8}.m-delete{color:#a8321f}
h4{margin:.75rem 0 .25rem;font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#5b6272}
table.params{border-collapse:collapse;width:100%}table.params td,table.params th{border-bottom:1px solid #eceef2;padding:3px 6px;text-align:left;vertical-align:top}
ul.schema{list-style:none;margin:0;padding-left:1.1rem;border-left:1px solid #e3e5ea}ul.schema.root{padding-left:0;border:0}
.t{color:#6b3fa0}.req{color:#a8321f;font-size:11px}.c{color:#5b6272;font-size:12px}.d{color:#3b4252}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1rem}
input{width:100%;box-sizing:border-box}textarea{width:100%;box-sizing:border-box;height:7rem;font:12.5px ui-monospace,monospace}
button{margin:.4rem 0}pre.result:empty{display:none}
</style></head>
<body><h1>Myriad API</h1>
<p>Every <code>/v1</code> route needs <code>Authorization: Bearer &lt;key&gt;</code>. The machine-readable document is <a href="openapi.json">openapi.json</a>.</p>
<p><label>Key <input id="key" placeholder="Bearer key (kept in this tab)"></label></p><div id="ops">Loading…</div>
<script>
(function () {
  var key = document.getElementById('key');
  key.value = sessionStorage.getItem('myriad-key') || '';
  key.onchange = function () { sessionStorage.setItem('myriad-key', key.value); };
  var doc;
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function deref(s) {
    var seen = 0;
    while (s && s.$ref && seen++ < 20) {
      var parts = s.$ref.replace(/^#\\//, '').split('/');
      var target = doc;
      for (var i = 0; i < parts.length; i++) target = target && target[parts[i]];
      var rest = Object.assign({}, s);
      delete rest.$ref;
      s = Object.assign({}, target || {}, rest);
    }
    return s || {};
  }
  function refName(s) { return s && s.$ref ? s.$ref.split('/').pop() : ''; }
  // A schema's alternatives other than null, and whether null is one of them.
  function variants(s) {
    var list = s.anyOf || s.oneOf;
    if (!list) return null;
    var nonNull = list.filter(function (v) { return deref(v).type !== 'null'; });
    return { list: nonNull, nullable: nonNull.length < list.length };
  }
  function typeText(s0) {
    var s = deref(s0);
    var v = variants(s);
    if (v) return v.list.map(typeText).join(' | ') + (v.nullable ? ' | null' : '');
    if (s.allOf) return s.allOf.map(typeText).join(' & ');
    var name = refName(s0);
    var t = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
    if (s.const !== undefined) return JSON.stringify(s.const);
    if (s.enum) return s.enum.map(function (e) { return JSON.stringify(e); }).join(' | ');
    if (t === 'array' || (Array.isArray(s.type) && s.type.indexOf('array') >= 0)) return typeText(s.items || {}) + '[]' + (Array.isArray(s.type) && s.type.indexOf('null') >= 0 ? ' | null' : '');
    if (t === 'object' || (!t && s.properties)) return name || 'object';
    return (t || 'any') + (s.format ? ' (' + s.format + ')' : '');
  }
  function constraints(s) {
    var out = [];
    var names = { minimum: '≥', maximum: '≤', exclusiveMinimum: '>', exclusiveMaximum: '<', minLength: 'length ≥', maxLength: 'length ≤', minItems: 'items ≥', maxItems: 'items ≤' };
    for (var k in names) if (typeof s[k] === 'number') out.push(names[k] + ' ' + s[k]);
    if (s.pattern) out.push('pattern ' + s.pattern);
    if (s.default !== undefined) out.push('default ' + JSON.stringify(s.default));
    return out.join(', ');
  }
  function nested(s) {
    var v = variants(s);
    if (v && v.list.length === 1) return deref(v.list[0]);
    if (s.type === 'array' || (Array.isArray(s.type) && s.type.indexOf('array') >= 0)) return deref(s.items || {});
    return s;
  }
  // The fields of an object schema as a nested list: name, type, required, constraints, description.
  function fields(s0, depth, seen) {
    var s = nested(deref(s0));
    if (s.allOf) s = s.allOf.map(deref).reduce(function (a, b) {
      return { type: 'object', properties: Object.assign({}, a.properties, b.properties), required: (a.required || []).concat(b.required || []) };
    }, {});
    var props = s.properties;
    var extra = s.additionalProperties && typeof s.additionalProperties === 'object' ? s.additionalProperties : null;
    if ((!props && !extra) || depth > 6) return '';
    var name = refName(s0) || refName(s.items || {});
    if (name && seen.indexOf(name) >= 0) return '';
    var now = name ? seen.concat([name]) : seen;
    var req = s.required || [];
    var items = Object.keys(props || {}).map(function (k) { return row(k, props[k], req.indexOf(k) >= 0, depth, now); });
    if (extra) items.push(row('<any key>', extra, false, depth, now));
    return '<ul class="schema' + (depth === 0 ? ' root' : '') + '">' + items.join('') + '</ul>';
  }
  function row(name, p0, required, depth, seen) {
    var p = deref(p0);
    var c = constraints(p);
    return '<li><code class="field">' + esc(name) + '</code> <span class="t">' + esc(typeText(p0)) + '</span>' +
      (required ? ' <span class="req">required</span>' : '') + (c ? ' <span class="c">' + esc(c) + '</span>' : '') +
      (p.description ? ' <span class="d">— ' + esc(p.description) + '</span>' : '') + fields(p0, depth + 1, seen) + '</li>';
  }
  // An example value: the schema's own example, else its default, else one built from its type.
  function example(s0, depth) {
    var s = deref(s0);
    if (s.example !== undefined) return s.example;
    if (s.examples && s.examples.length) return s.examples[0];
    if (s.default !== undefined) return s.default;
    if (s.const !== undefined) return s.const;
    if (s.enum) return s.enum[0];
    if (depth > 6) return null;
    var v = variants(s);
    if (v) return v.list.length ? example(v.list[0], depth + 1) : null;
    if (s.allOf) return s.allOf.reduce(function (a, b) { return Object.assign(a, example(b, depth + 1)); }, {});
    var t = Array.isArray(s.type) ? s.type.filter(function (x) { return x !== 'null'; })[0] : s.type;
    if (t === 'object' || (!t && s.properties)) {
      var o = {};
      for (var k in s.properties || {}) o[k] = example(s.properties[k], depth + 1);
      if (s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties) o.key = example(s.additionalProperties, depth + 1);
      return o;
    }
    if (t === 'array') return [example(s.items || {}, depth + 1)];
    if (t === 'integer' || t === 'number') {
      var lo = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : null;
      var hi = typeof s.maximum === 'number' ? s.maximum : typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : null;
      if (t === 'number' && typeof s.exclusiveMinimum === 'number' && typeof s.exclusiveMaximum === 'number') return (lo + hi) / 2;
      return lo !== null ? (typeof s.exclusiveMinimum === 'number' ? lo + 1 : lo) : hi !== null ? Math.min(hi, 0) : 0;
    }
    if (t === 'boolean') return true;
    if (t === 'null') return null;
    if (s.format === 'date-time') return '2026-01-01T00:00:00Z';
    if (s.format === 'date') return '2026-01-01';
    return 'string';
  }
  function jsonBody(content) {
    if (!content) return null;
    return content['application/json'] || content['application/problem+json'] || null;
  }
  function successOf(op) {
    var codes = Object.keys(op.responses || {}).filter(function (c) { return /^2/.test(c); });
    return codes.length ? { code: codes[0], response: op.responses[codes[0]] } : null;
  }
  function paramsTable(params) {
    if (!params.length) return '';
    return '<h4>Parameters</h4><table class="params"><thead><tr><th>name</th><th>in</th><th>type</th><th>value</th></tr></thead><tbody>' +
      params.map(function (p) {
        var s = p.schema || {};
        var c = constraints(deref(s));
        var ex = example(s, 0);
        return '<tr><td><code class="field">' + esc(p.name) + '</code>' + (p.required ? ' <span class="req">required</span>' : '') + '</td><td>' + esc(p.in) +
          '</td><td><span class="t">' + esc(typeText(s)) + '</span>' + (c ? '<br><span class="c">' + esc(c) + '</span>' : '') +
          (p.description ? '<br><span class="d">' + esc(p.description) + '</span>' : '') +
          '</td><td><input data-in="' + esc(p.in) + '" name="' + esc(p.name) + '" placeholder="' + esc(ex === null || typeof ex === 'object' ? '' : 'e.g. ' + ex) + '"></td></tr>';
      }).join('') + '</tbody></table>';
  }
  function schemaBlock(title, cls, media) {
    var s = media.schema || {};
    var list = fields(s, 0, []);
    var ex = media.example !== undefined ? media.example : example(s, 0);
    return '<div class="' + cls + '"><h4>' + esc(title) + '</h4><div class="cols"><div><div class="c">' + esc(typeText(s)) + '</div>' + (list || '') +
      '</div><div><div class="c">Example</div><pre class="example">' + esc(JSON.stringify(ex, null, 2)) + '</pre></div></div></div>';
  }
  function operation(path, method, op) {
    var d = document.createElement('details');
    d.className = 'op';
    d.dataset.op = method.toUpperCase() + ' ' + path;
    var params = op.parameters || [];
    var body = op.requestBody && jsonBody(op.requestBody.content);
    var ok = successOf(op);
    var okBody = ok && jsonBody(ok.response.content);
    var bodyExample = body ? (body.example !== undefined ? body.example : example(body.schema || {}, 0)) : null;
    d.innerHTML = '<summary><span class="m m-' + esc(method) + '">' + esc(method.toUpperCase()) + '</span><code>' + esc(path) + '</code> ' + esc(op.summary || '') + '</summary>' +
      (op.description ? '<p>' + esc(op.description) + '</p>' : '') +
      paramsTable(params) +
      (body ? schemaBlock('Request body' + (op.requestBody.required ? ' (required)' : ''), 'request-body', body) : '') +
      (okBody ? '<details class="response"><summary>Response ' + esc(ok.code) + ': ' + esc(ok.response.description || '') + '</summary>' + schemaBlock('Response ' + ok.code, 'response-body', okBody) + '</details>' : '') +
      '<h4>Try it</h4>' + (body ? '<label>Body<textarea name="body"></textarea></label>' : '') + '<button type="button">Send</button><pre class="result"></pre>';
    var area = d.querySelector('textarea');
    if (area) area.value = JSON.stringify(bodyExample, null, 2);
    d.querySelector('button').onclick = async function () {
      var p = path;
      var q = new URLSearchParams();
      var inputs = d.querySelectorAll('input');
      for (var i = 0; i < inputs.length; i++) {
        var input = inputs[i];
        if (!input.value) continue;
        if (input.dataset.in === 'path') p = p.replace('{' + input.name + '}', encodeURIComponent(input.value));
        else q.set(input.name, input.value);
      }
      var headers = { authorization: 'Bearer ' + key.value };
      if (area) headers['content-type'] = 'application/json';
      var qs = q.toString();
      var r = await fetch(p.replace(/^\\//, '') + (qs ? '?' + qs : ''), { method: method.toUpperCase(), headers: headers, body: area ? area.value : undefined });
      var text = await r.text();
      var shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
      d.querySelector('pre.result').textContent = r.status + '\\n' + shown;
    };
    return d;
  }
  fetch('openapi.json').then(function (r) { return r.json(); }).then(function (d) {
    doc = d;
    var ops = document.getElementById('ops');
    ops.textContent = '';
    for (var path in doc.paths) for (var method in doc.paths[path]) {
      if (['get', 'post', 'put', 'patch', 'delete'].indexOf(method) < 0) continue;
      ops.append(operation(path, method, doc.paths[path][method]));
    }
  }).catch(function (e) { document.getElementById('ops').textContent = 'Could not read openapi.json: ' + e; });
})();
</script></body></html>`;

/** The CSP hash source of the page's one inline element of this tag. */
function inlineHash(tag: "script" | "style"): string {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(DOCS_HTML);
  if (!m) throw new Error(`the docs page has no inline <${tag}>`);
  return `'sha256-${createHash("sha256").update(m[1]).digest("base64")}'`;
}

/**
 * What the page needs and nothing more: its own inline script and style (by hash, so an
 * injected one would not run) and requests to its own origin (the OpenAPI document, "try it").
 */
export const DOCS_CSP = [
  "default-src 'none'",
  `script-src ${inlineHash("script")}`,
  `style-src ${inlineHash("style")}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
