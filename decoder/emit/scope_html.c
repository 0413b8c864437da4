/* scope_html.c - see scope_html.h.  Names are written the way
 * flame_svg.c writes them (bytes outside printable ASCII as '?'), so the
 * boxes' data-n attributes read the same in both. */
#include "flame_svg.h"
#include "scope_html.h"
#include "summary.h"

static const char page_css[] =
	"body { font-family: sans-serif; margin: 16px; background: #fff; }\n"
	"h1 { font-size: 18px; margin: 0 0 4px 0; }\n"
	"#what, #numbers, #hover { font-size: 13px; color: #333; margin: 4px 0; }\n"
	"#main { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }\n"
	"rect.cell { cursor: crosshair; }\n"
	"rect.sel { stroke: #000; stroke-width: 1; }\n"
	"text.axis { font-size: 10px; fill: #555; }\n";

/* The page's own script; see scope_html.h. */
static const char page_js[] =
	"(function () {\n"
	"\"use strict\";\n"
	"var meta = JSON.parse(document.getElementById(\"meta\").textContent);\n"
	"var G = meta.geometry, NS = \"http://www.w3.org/2000/svg\";\n"
	"var heat = document.getElementById(\"heatmap\");\n"
	"var numbers = document.getElementById(\"numbers\");\n"
	"var hover = document.getElementById(\"hover\");\n"
	"var flameBox = document.getElementById(\"flame\");\n"
	"var picker = document.getElementById(\"thread\");\n"
	"var timePicker = document.getElementById(\"time\");\n"
	"var threads = meta.threads.map(decode);\n"
	"var cells = [], view = -1, start = null, range = null, flame = null;\n"
	"\n"
	"// Calls of one thread: varints of (begin - previous begin, duration,\n"
	"// zigzag of depth - previous depth, name id), base64.\n"
	"function decode(th) {\n"
	"  var bin = atob(th.data), n = th.calls, p = 0, t = 0, d = 0;\n"
	"  var bytes = new Uint8Array(bin.length);\n"
	"  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);\n"
	"  function next() {\n"
	"    var v = 0, m = 1, b;\n"
	"    do { b = bytes[p++]; v += (b & 127) * m; m *= 128; } while (b & 128);\n"
	"    return v;\n"
	"  }\n"
	"  var c = { label: th.label, tid: th.tid, cells: th.cells, n: n,\n"
	"            begin: new Float64Array(n), dur: new Float64Array(n),\n"
	"            depth: new Uint16Array(n), name: new Uint32Array(n) };\n"
	"  for (var k = 0; k < n; k++) {\n"
	"    t += next(); c.begin[k] = t; c.dur[k] = next();\n"
	"    var z = next(); d += z % 2 ? -(z + 1) / 2 : z / 2;\n"
	"    c.depth[k] = d; c.name[k] = next();\n"
	"  }\n"
	"  if (th.states) c.track = decodeStates(th.states, th.nstates);\n"
	"  return c;\n"
	"}\n"
	"\n"
	"// A thread's changes between running and not: varints of (ns - previous\n"
	"// ns, 1 when running), and the running time before each change.\n"
	"function decodeStates(b64, n) {\n"
	"  var bin = atob(b64), p = 0, t = 0, run = 0;\n"
	"  function next() {\n"
	"    var v = 0, m = 1, b;\n"
	"    do { b = bin.charCodeAt(p++); v += (b & 127) * m; m *= 128; } while (b & 128);\n"
	"    return v;\n"
	"  }\n"
	"  var s = { ns: new Float64Array(n), on: new Uint8Array(n), before: new Float64Array(n) };\n"
	"  for (var i = 0; i < n; i++) {\n"
	"    t += next();\n"
	"    if (i && s.on[i - 1]) run += t - s.ns[i - 1];\n"
	"    s.ns[i] = t; s.on[i] = next(); s.before[i] = run;\n"
	"  }\n"
	"  return s;\n"
	"}\n"
	"\n"
	"// Running time of a track from 0 to ns, as cpu_split.c computes it.\n"
	"function runningTo(s, ns) {\n"
	"  var lo = 0, hi = s.ns.length;\n"
	"  while (hi - lo > 1) {\n"
	"    var mid = (lo + hi) >> 1;\n"
	"    if (s.ns[mid] <= ns) lo = mid; else hi = mid;\n"
	"  }\n"
	"  return s.before[lo] + (s.on[lo] ? ns - s.ns[lo] : 0);\n"
	"}\n"
	"\n"
	"// \"850ns\", \"12.345us\", \"2.000ms\", \"1.250s\": three decimals, rounded down.\n"
	"function fmt(ns) {\n"
	"  var units = [[\"s\", 1e9], [\"ms\", 1e6], [\"us\", 1e3]];\n"
	"  for (var i = 0; i < units.length; i++)\n"
	"    if (ns >= units[i][1]) {\n"
	"      var milli = Math.floor(ns / (units[i][1] / 1000));\n"
	"      return Math.floor(milli / 1000) + \".\" + String(milli % 1000).padStart(3, \"0\") + units[i][0];\n"
	"    }\n"
	"  return ns + \"ns\";\n"
	"}\n"
	"\n"
	"function pct(part, whole) {\n"
	"  var h = whole ? Math.floor(part * 10000 / whole) : 0;\n"
	"  return Math.floor(h / 100) + \".\" + String(h % 100).padStart(2, \"0\");\n"
	"}\n"
	"\n"
	"function chosen() { return view < 0 ? threads : [threads[view]]; }\n"
	"\n"
	"function el(name, attrs, parent) {\n"
	"  var e = document.createElementNS(NS, name);\n"
	"  for (var k in attrs) e.setAttribute(k, attrs[k]);\n"
	"  if (parent) parent.appendChild(e);\n"
	"  return e;\n"
	"}\n"
	"\n"
	"// ---- the heatmap: a column per span, a cell per slice of it ----\n"
	"function cellValue(c, r) {\n"
	"  var i = c * meta.rows + r, v = 0;\n"
	"  chosen().forEach(function (t) { v += t.cells[i]; });\n"
	"  return v;\n"
	"}\n"
	"\n"
	"function drawHeatmap() {\n"
	"  var cw = Math.max(4, Math.min(40, Math.floor(900 / meta.columns)));\n"
	"  var ch = Math.max(4, Math.min(12, Math.floor(500 / meta.rows))), left = 80, top = 16;\n"
	"  var max = 0;\n"
	"  heat.textContent = \"\";\n"
	"  heat.setAttribute(\"width\", Math.max(meta.columns * cw + left + 10, 320));\n"
	"  heat.setAttribute(\"height\", meta.rows * ch + top + 30);\n"
	"  cells = [];\n"
	"  for (var c = 0; c < meta.columns; c++)\n"
	"    for (var r = 0; r < meta.rows; r++) {\n"
	"      var v = cellValue(c, r);\n"
	"      cells.push({ c: c, r: r, v: v });\n"
	"      if (v > max) max = v;\n"
	"    }\n"
	"  cells.forEach(function (cell) {\n"
	"    var f = max ? cell.v / max : 0;\n"
	"    var rgb = \"rgb(255,\" + Math.round(255 - 170 * f) + \",\" + Math.round(255 - 255 * f) + \")\";\n"
	"    cell.rect = el(\"rect\", { x: left + cell.c * cw, y: top + cell.r * ch, width: cw - 1, height: ch - 1,\n"
	"                             fill: rgb, class: \"cell\", \"data-c\": cell.c, \"data-r\": cell.r,\n"
	"                             \"data-v\": cell.v }, heat);\n"
	"    cell.rect.addEventListener(\"mousedown\", function (e) { e.preventDefault(); start = cell; mark(cell, cell); });\n"
	"    cell.rect.addEventListener(\"mouseover\", function () {\n"
	"      var b = (cell.c * meta.rows + cell.r) * meta.cell;\n"
	"      hover.textContent = \"second \" + cell.c + \" + \" + fmt(cell.r * meta.cell) + \" (\" + fmt(b) +\n"
	"        \" to \" + fmt(b + meta.cell) + \"): \" + fmt(cell.v) + \" \" + meta.what;\n"
	"      if (start) mark(start, cell);\n"
	"    });\n"
	"    cell.rect.addEventListener(\"mouseup\", function () {\n"
	"      if (!start) return;\n"
	"      var a = start;\n"
	"      start = null;\n"
	"      select(a, cell);\n"
	"    });\n"
	"  });\n"
	"  var every = Math.ceil(meta.rows / 5);\n"
	"  for (var k = 0; k <= meta.rows; k += every)\n"
	"    el(\"text\", { x: left - 4, y: top + k * ch + 4, \"text-anchor\": \"end\", class: \"axis\" }, heat).textContent =\n"
	"      fmt(k * meta.cell);\n"
	"  every = Math.ceil(meta.columns * 40 / (meta.columns * cw));\n"
	"  for (var c = 0; c < meta.columns; c += every)\n"
	"    el(\"text\", { x: left + c * cw, y: top - 4, class: \"axis\" }, heat).textContent = c;\n"
	"  el(\"text\", { x: left, y: top + meta.rows * ch + 16, class: \"axis\" }, heat).textContent =\n"
	"    \"column: \" + fmt(meta.span) + \" from the first event\";\n"
	"}\n"
	"\n"
	"function order(a, b) { return a.c * meta.rows + a.r - (b.c * meta.rows + b.r); }\n"
	"\n"
	"function mark(a, b) {\n"
	"  var lo = order(a, b) <= 0 ? a : b, hi = lo === a ? b : a;\n"
	"  cells.forEach(function (cell) {\n"
	"    var inside = order(cell, lo) >= 0 && order(cell, hi) <= 0;\n"
	"    cell.rect.setAttribute(\"class\", inside ? \"cell sel\" : \"cell\");\n"
	"  });\n"
	"}\n"
	"\n"
	"// The selected cells' time: from the first one's start to the last one's end.\n"
	"function select(a, b) {\n"
	"  var lo = order(a, b) <= 0 ? a : b, hi = lo === a ? b : a;\n"
	"  mark(lo, hi);\n"
	"  range = [(lo.c * meta.rows + lo.r) * meta.cell, (hi.c * meta.rows + hi.r + 1) * meta.cell];\n"
	"  drawFlame();\n"
	"}\n"
	"\n"
	"// ---- the flame graph of the range: calls cut to it, merged per stack ----\n"
	"function buildTree(from, to, onCpu) {\n"
	"  var nodes = [{ name: -1, depth: 0, parent: -1, total: 0, calls: 0, kids: new Map() }];\n"
	"  chosen().forEach(function (t) {\n"
	"    var stack = [];\n"
	"    for (var k = 0; k < t.n; k++) {\n"
	"      var b = t.begin[k], e = b + t.dur[k];\n"
	"      if (e < from || b > to) continue; // and so are the calls inside it\n"
	"      var d = t.depth[k], parent = d ? stack[d - 1] : 0, name = t.name[k];\n"
	"      var id = nodes[parent].kids.get(name);\n"
	"      if (id === undefined) {\n"
	"        id = nodes.length;\n"
	"        nodes.push({ name: name, depth: nodes[parent].depth + 1, parent: parent,\n"
	"                     total: 0, calls: 0, kids: new Map() });\n"
	"        nodes[parent].kids.set(name, id);\n"
	"      }\n"
	"      stack[d] = id;\n"
	"      var cb = Math.max(b, from), ce = Math.min(e, to);\n"
	"      nodes[id].total += onCpu ? runningTo(t.track, ce) - runningTo(t.track, cb) : ce - cb;\n"
	"      nodes[id].calls++;\n"
	"    }\n"
	"  });\n"
	"  var below = nodes.map(function () { return 0; });\n"
	"  for (var i = nodes.length - 1; i > 0; i--) below[nodes[i].parent] += nodes[i].total;\n"
	"  nodes[0].total = below[0];\n"
	"  nodes.forEach(function (n, i) { n.self = n.total - below[i]; });\n"
	"  return nodes;\n"
	"}\n"
	"\n"
	"function label(name, px) {\n"
	"  var fit = Math.floor((px - 6) / G.fontW);\n"
	"  if (name.length <= fit) return name;\n"
	"  return fit >= 3 ? name.slice(0, fit - 2) + \"..\" : \"\";\n"
	"}\n"
	"\n"
	"function drawFlame() {\n"
	"  var onCpu = timePicker.value === \"on-cpu\", what = onCpu ? \"on-CPU time\" : \"traced time\";\n"
	"  var nodes = buildTree(range[0], range[1], onCpu), width = 1200, maxDepth = 0;\n"
	"  nodes.forEach(function (n) { if (n.depth > maxDepth) maxDepth = n.depth; });\n"
	"  var height = G.top + (maxDepth + 1) * G.frameH + G.bottom;\n"
	"  var whole = nodes[0].total, scale = whole ? (width - 2 * G.side) / whole : 0;\n"
	"  var calls = 0;\n"
	"  nodes.forEach(function (n) { calls += n.calls; });\n"
	"  numbers.setAttribute(\"data-from\", range[0]);\n"
	"  numbers.setAttribute(\"data-to\", range[1]);\n"
	"  numbers.setAttribute(\"data-total\", whole);\n"
	"  numbers.textContent = \"range \" + fmt(range[0]) + \" to \" + fmt(range[1]) + \" (\" +\n"
	"    fmt(range[1] - range[0]) + \") in \" + (view < 0 ? \"all threads\" : threads[view].label) +\n"
	"    \": \" + what + \" \" + fmt(whole) + \" in \" + calls + \" calls\" +\n"
	"    (range[1] > range[0] ? \" (\" + pct(whole, range[1] - range[0]) + \"% of the range)\" : \"\");\n"
	"  flameBox.textContent = \"\";\n"
	"  var svg = el(\"svg\", { width: width, height: height, viewBox: \"0 0 \" + width + \" \" + height,\n"
	"                        \"data-side\": G.side, \"data-font-w\": G.fontW, \"data-min-px\": G.minPx }, flameBox);\n"
	"  el(\"rect\", { x: 0, y: 0, width: width, height: height, fill: \"#f8f8f0\" }, svg);\n"
	"  el(\"text\", { id: \"title\", x: width / 2, y: 24, \"text-anchor\": \"middle\" }, svg).textContent =\n"
	"    \"Flame graph of the selected range\";\n"
	"  el(\"text\", { id: \"subtitle\", x: width / 2, y: 42, \"text-anchor\": \"middle\" }, svg).textContent =\n"
	"    \"exact \" + what + \" \" + fmt(whole) + \" from \" + fmt(range[0]) + \" to \" + fmt(range[1]);\n"
	"  el(\"text\", { id: \"reset\", class: \"button\", x: G.side, y: 24, style: \"display:none\" }, svg).textContent = \"Reset zoom\";\n"
	"  el(\"text\", { id: \"search\", class: \"button\", x: width - G.side, y: 24, \"text-anchor\": \"end\" }, svg).textContent = \"Search\";\n"
	"  el(\"text\", { id: \"details\", x: G.side, y: height - 10 }, svg).textContent = \" \";\n"
	"  el(\"text\", { id: \"matched\", x: width - G.side, y: height - 10, \"text-anchor\": \"end\" }, svg).textContent = \" \";\n"
	"  var frames = el(\"g\", { id: \"frames\" }, svg), offset = [0];\n"
	"  nodes.forEach(function (n, i) {\n"
	"    var kids = Array.from(n.kids.values()).sort(function (a, b) { return nodes[a].name - nodes[b].name; });\n"
	"    var next = offset[i];\n"
	"    kids.forEach(function (k) { offset[k] = next; next += nodes[k].total; });\n"
	"    if (i && n.total * scale < G.minPx) return;\n"
	"    var name = i ? meta.names[n.name] : \"all\", x = G.side + offset[i] * scale, w = n.total * scale;\n"
	"    var y = height - G.bottom - (n.depth + 1) * G.frameH;\n"
	"    var g = el(\"g\", { class: \"f\", \"data-n\": name, \"data-x\": offset[i], \"data-w\": n.total, \"data-d\": n.depth }, frames);\n"
	"    el(\"title\", {}, g).textContent = name + \" \\u2014 \" + fmt(n.total) + \" (\" + pct(n.total, whole) +\n"
	"      \"%), self \" + fmt(n.self) + \", \" + n.calls + \" calls\";\n"
	"    el(\"rect\", { x: x.toFixed(2), y: y.toFixed(1), width: w.toFixed(2), height: G.frameH - 1, rx: 2,\n"
	"                 fill: i ? meta.colors[n.name] : meta.rootColor }, g);\n"
	"    el(\"text\", { x: (x + 3).toFixed(2), y: (y + G.frameH - 4.5).toFixed(1) }, g).textContent = label(name, w);\n"
	"  });\n"
	"  flame = ctrailFlame(svg);\n"
	"}\n"
	"\n"
	"function choose() {\n"
	"  view = +picker.value;\n"
	"  drawHeatmap();\n"
	"  if (range) drawFlame();\n"
	"}\n"
	"\n"
	"[{ label: \"all threads\" }].concat(meta.threads).forEach(function (t, i) {\n"
	"  var o = document.createElement(\"option\");\n"
	"  o.value = i - 1;\n"
	"  o.textContent = t.label;\n"
	"  picker.appendChild(o);\n"
	"});\n"
	"picker.addEventListener(\"change\", choose);\n"
	"if (!threads.some(function (t) { return t.track; })) timePicker.style.display = \"none\";\n"
	"timePicker.addEventListener(\"change\", function () { if (range) drawFlame(); });\n"
	"document.addEventListener(\"mouseup\", function () { start = null; });\n"
	"document.addEventListener(\"keydown\", function (e) {\n"
	"  if (!flame) return;\n"
	"  if ((e.ctrlKey || e.metaKey) && e.key === \"f\") { e.preventDefault(); flame.askSearch(); }\n"
	"  else if (e.key === \"Escape\") flame.escape();\n"
	"});\n"
	"\n"
	"// ?thread=I picks thread I (0 is the first); ?time=on-cpu counts on-CPU\n"
	"// time in the range's flame graph; ?drag=C1,R1,C2,R2 drags from cell\n"
	"// (C1, R1) to (C2, R2) with mouse events, as a hand would.\n"
	"var query = new URLSearchParams(window.location.search);\n"
	"if (query.get(\"thread\") !== null) picker.value = query.get(\"thread\");\n"
	"if (query.get(\"time\") === \"on-cpu\" && timePicker.style.display !== \"none\") timePicker.value = \"on-cpu\";\n"
	"choose();\n"
	"var drag = (query.get(\"drag\") || \"\").split(\",\").map(Number);\n"
	"if (drag.length === 4) {\n"
	"  var at = function (c, r) { return heat.querySelector('rect[data-c=\"' + c + '\"][data-r=\"' + r + '\"]'); };\n"
	"  var from = at(drag[0], drag[1]), to = at(drag[2], drag[3]);\n"
	"  if (from && to) {\n"
	"    from.dispatchEvent(new MouseEvent(\"mousedown\", { bubbles: true }));\n"
	"    to.dispatchEvent(new MouseEvent(\"mouseover\", { bubbles: true }));\n"
	"    to.dispatchEvent(new MouseEvent(\"mouseup\", { bubbles: true }));\n"
	"  }\n"
	"}\n"
	"document.body.setAttribute(\"data-load-ms\", Math.round(performance.now()));\n"
	"document.body.setAttribute(\"data-ready\", \"1\");\n"
	"})();\n";

size_t scope_html_varint(uint8_t *buf, uint64_t v)
{
	size_t n = 0;

	do {
		buf[n] = (v & 127) | (v > 127 ? 128 : 0);
		v >>= 7;
	} while (buf[n++] & 128);
	return n;
}

/* A JSON string of s: quotes and backslashes escaped, '<' as \u003c (no
 * "</script>" inside the script element), bytes outside printable ASCII
 * as '?' (as flame_svg writes names). */
static void put_json_string(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '<') {
			fputs("\\u003c", out);
			continue;
		}
		if (c == '"' || c == '\\')
			putc('\\', out);
		putc(c >= 0x20 && c < 0x7f ? c : '?', out);
	}
	putc('"', out);
}

static void put_base64(FILE *out, const uint8_t *p, size_t n)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);

		putc(digits[v >> 18], out);
		putc(digits[v >> 12 & 63], out);
		putc(i + 1 < n ? digits[v >> 6 & 63] : '=', out);
		putc(i + 2 < n ? digits[v & 63] : '=', out);
	}
}

static void put_thread(FILE *out, const struct scope_html *pg,
		       const struct scope_html_thread *t)
{
	fputs("{\"label\":", out);
	put_json_string(out, t->label);
	fprintf(out, ",\"tid\":%u,\"calls\":%llu,\"cells\":[", t->tid,
		(unsigned long long)t->ncalls);
	for (uint64_t i = 0; i < (uint64_t)pg->columns * pg->rows; i++)
		fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)t->cells[i]);
	fputs("],\"data\":\"", out);
	put_base64(out, t->calls, t->calls_size);
	if (t->states) {
		fprintf(out, "\",\"nstates\":%llu,\"states\":\"", (unsigned long long)t->nstates);
		put_base64(out, t->states, t->states_size);
	}
	fputs("\"}", out);
}

static void put_meta(FILE *out, const struct scope_html *pg)
{
	char color[32];

	fprintf(out, "{\"span\":%llu,\"cell\":%llu,\"rows\":%u,\"columns\":%u,\"what\":",
		(unsigned long long)pg->span_ns, (unsigned long long)pg->cell_ns,
		pg->rows, pg->columns);
	put_json_string(out, pg->what);
	fputs(",\"geometry\":", out);
	flame_svg_geometry(out);
	fprintf(out, ",\"rootColor\":\"%s\",\"names\":[", flame_svg_color(color, "all"));
	for (size_t i = 0; i < pg->nnames; i++) {
		fputs(i ? "," : "", out);
		put_json_string(out, pg->names[i]);
	}
	fputs("],\"colors\":[", out);
	for (size_t i = 0; i < pg->nnames; i++)
		fprintf(out, "%s\"%s\"", i ? "," : "", flame_svg_color(color, pg->names[i]));
	fputs("],\"threads\":[", out);
	for (size_t i = 0; i < pg->nthreads; i++) {
		fputs(i ? ",\n" : "\n", out);
		put_thread(out, pg, &pg->threads[i]);
	}
	fputs("]}", out);
}

static void put_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '<')
			fputs("&lt;", out);
		else if (c == '&')
			fputs("&amp;", out);
		else
			putc(c >= 0x20 && c < 0x7f ? c : '?', out);
	}
}

void scope_html_write(FILE *out, const struct scope_html *pg)
{
	char span[32], cell[32];

	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>ctrail scope: ", out);
	put_text(out, pg->title);
	fprintf(out, "</title>\n<style>\n%s%s</style>\n</head><body>\n<h1>", page_css, flame_svg_css);
	put_text(out, pg->title);
	fprintf(out, "</h1>\n<p id=\"what\">Colour: %s in each %s of each %s column "
		"(exact, from the trace). Drag over cells to draw the flame graph of that "
		"time.</p>\n", pg->what, summary_format_ns(cell, pg->cell_ns),
		summary_format_ns(span, pg->span_ns));
	fputs("<p>Thread: <select id=\"thread\"></select> <select id=\"time\">"
	      "<option value=\"traced\">flame graph of traced time</option>"
	      "<option value=\"on-cpu\">flame graph of on-CPU time</option></select> "
	      "<span id=\"hover\"> </span></p>\n"
	      "<div id=\"main\"><svg id=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\"></svg>\n"
	      "<div id=\"range\"><p id=\"numbers\">No range selected.</p><div id=\"flame\"></div></div></div>\n"
	      "<script type=\"application/json\" id=\"meta\">", out);
	put_meta(out, pg);
	fprintf(out, "</script>\n<script>\n%s</script>\n<script>\n%s</script>\n</body></html>\n",
		flame_svg_js, page_js);
}
