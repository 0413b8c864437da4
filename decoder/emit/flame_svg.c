/* flame_svg.c - see flame_svg.h.  Layout: node i of the tree gets an
 * offset in ns from the left edge (its parent's offset plus the totals of
 * the siblings before it) and a width (its total); x and width in pixels
 * are those scaled to the drawing width.  Each box is written as
 *   <g class="f" data-n="NAME" data-x="OFFSET_NS" data-w="TOTAL_NS"
 *      data-d="DEPTH"><title>...</title><rect/><text>LABEL</text></g>
 * already placed for the full view, so the file shows without its script;
 * the script reads the data-* attributes and places the boxes again when
 * zooming, with the same rules (labels cut to the box at 7.2 pixels per
 * character of the 12 px monospace font).
 *
 * Names are XML-escaped; bytes outside printable ASCII become '?', so the
 * file is always well-formed whatever the symbol table held.  Colours are
 * warm and derived from the name, so a function has one colour. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "flame_svg.h"
#include "summary.h"

#define FRAME_H 16
#define FONT_W 7.2 /* pixels per character of 12 px monospace */
#define SIDE 10
#define TOP 60     /* title, subtitle and buttons */
#define BOTTOM 30  /* details and match lines */
#define MIN_PX 0.1

static void put_xml(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else
			putc(c >= 0x20 && c < 0x7f ? c : '?', out);
	}
}

/* The name cut to fit px pixels, like the script's label(). */
static void put_label(FILE *out, const char *name, double px)
{
	long fit = (long)((px - 6) / FONT_W);
	size_t n = strlen(name);

	if ((long)n <= fit) {
		put_xml(out, name, n);
	} else if (fit >= 3) {
		put_xml(out, name, fit - 2);
		fputs("..", out);
	}
}

char *flame_svg_color(char *buf, const char *name)
{
	uint64_t h = summary_name_hash(name);

	snprintf(buf, 32, "rgb(%u,%u,%u)", 205 + (unsigned)(h % 50),
		 90 + (unsigned)(h >> 8 & 127), (unsigned)(h >> 16 & 63));
	return buf;
}

void flame_svg_geometry(FILE *out)
{
	fprintf(out, "{\"frameH\":%d,\"fontW\":%.1f,\"side\":%d,\"top\":%d,"
		"\"bottom\":%d,\"minPx\":%.1f}", FRAME_H, FONT_W, SIDE, TOP, BOTTOM, MIN_PX);
}

/* part of whole in percent with two decimals, into buf[32]. */
static char *percent(char *buf, uint64_t part, uint64_t whole)
{
	uint64_t hundredths = whole ?
		(uint64_t)((unsigned __int128)part * 10000 / whole) : 0;

	snprintf(buf, 32, "%llu.%02llu", (unsigned long long)(hundredths / 100),
		 (unsigned long long)(hundredths % 100));
	return buf;
}

static void put_frame(FILE *out, const struct stack_tree *t,
		      const struct flame_style *st, uint32_t i,
		      uint64_t offset, double scale, double y)
{
	const struct stack_node *n = &t->nodes[i];
	double x = SIDE + offset * scale, w = n->total_ns * scale;
	char total[32], self[32], pct[32], note[256] = "";

	fputs("<g class=\"f\" data-n=\"", out);
	put_xml(out, n->name, SIZE_MAX);
	fprintf(out, "\" data-x=\"%llu\" data-w=\"%llu\" data-d=\"%u\"><title>",
		(unsigned long long)offset, (unsigned long long)n->total_ns, n->depth);
	put_xml(out, n->name, SIZE_MAX);
	if (st->note)
		st->note(st->ctx, i, note, sizeof(note));
	fprintf(out, " \xe2\x80\x94 %s (%s%%), self %s, %llu calls",
		summary_format_ns(total, n->total_ns),
		percent(pct, n->total_ns, t->nodes[0].total_ns),
		summary_format_ns(self, n->self_ns), (unsigned long long)n->calls);
	put_xml(out, note, sizeof(note));
	fprintf(out, "</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" rx=\"2\" fill=\"",
		x, y, w, FRAME_H - 1);
	if (st->fill) {
		uint32_t rgb = st->fill(st->ctx, i);

		fprintf(out, "rgb(%u,%u,%u)", rgb >> 16, rgb >> 8 & 255, rgb & 255);
	} else {
		char color[32];

		fputs(flame_svg_color(color, n->name), out);
	}
	fprintf(out, "\"/><text x=\"%.2f\" y=\"%.1f\">", x + 3, y + FRAME_H - 4.5);
	put_label(out, n->name, w);
	fputs("</text></g>\n", out);
}

const char flame_svg_css[] =
	"text { font-family: monospace; font-size: 12px; fill: #000; }\n"
	"#title { font-size: 17px; }\n"
	"#subtitle { fill: #555; }\n"
	".button { cursor: pointer; fill: #2a4fb8; }\n"
	"g.f { cursor: pointer; }\n"
	"g.f:hover rect { stroke: #000; stroke-width: 0.6; }\n"
	"g.faded { opacity: 0.6; }\n";

/* The interactive part; see the file comment for the layout rules. */
const char flame_svg_js[] =
	"function ctrailFlame(svg) {\n"
	"\"use strict\";\n"
	"var width = +svg.getAttribute(\"width\"), side = +svg.getAttribute(\"data-side\");\n"
	"var fontW = +svg.getAttribute(\"data-font-w\"), minPx = +svg.getAttribute(\"data-min-px\");\n"
	"var details = svg.querySelector(\"#details\");\n"
	"var matched = svg.querySelector(\"#matched\");\n"
	"var resetButton = svg.querySelector(\"#reset\");\n"
	"var searchButton = svg.querySelector(\"#search\");\n"
	"var frames = [], root = null, zoomed = null, searching = false;\n"
	"\n"
	"function label(name, px) {\n"
	"  var fit = Math.floor((px - 6) / fontW);\n"
	"  if (name.length <= fit) return name;\n"
	"  return fit >= 3 ? name.slice(0, fit - 2) + \"..\" : \"\";\n"
	"}\n"
	"\n"
	"// Shows the zoomed frame and what it called across the whole width,\n"
	"// the frames below it full width and faded, and hides the rest.\n"
	"function layout() {\n"
	"  var z = zoomed || root, inner = width - 2 * side;\n"
	"  var scale = z.w > 0 ? inner / z.w : 0;\n"
	"  frames.forEach(function (f) {\n"
	"    var x, w, show;\n"
	"    if (f.d < z.d) {\n"
	"      show = f.x <= z.x && f.x + f.w >= z.x + z.w;\n"
	"      x = side; w = inner;\n"
	"    } else {\n"
	"      show = f.x >= z.x && f.x + f.w <= z.x + z.w;\n"
	"      x = side + (f.x - z.x) * scale; w = f.w * scale;\n"
	"      show = show && (w >= minPx || f === z);\n"
	"    }\n"
	"    f.g.style.display = show ? \"\" : \"none\";\n"
	"    if (!show) return;\n"
	"    f.g.setAttribute(\"class\", f.d < z.d ? \"f faded\" : \"f\");\n"
	"    f.rect.setAttribute(\"x\", x.toFixed(2));\n"
	"    f.rect.setAttribute(\"width\", w.toFixed(2));\n"
	"    f.text.setAttribute(\"x\", (x + 3).toFixed(2));\n"
	"    f.text.textContent = label(f.name, w);\n"
	"  });\n"
	"  resetButton.style.display = zoomed ? \"\" : \"none\";\n"
	"}\n"
	"\n"
	"function zoom(f) {\n"
	"  zoomed = f === root ? null : f;\n"
	"  layout();\n"
	"}\n"
	"\n"
	"function pattern(text) {\n"
	"  try { return new RegExp(text); }\n"
	"  catch (e) { return new RegExp(text.replace(/[.*+?^${}()|[\\]\\\\]/g, \"\\\\$&\")); }\n"
	"}\n"
	"\n"
	"// Highlights the frames whose name matches and shows their share of\n"
	"// the total, counting a matching frame inside another one once.\n"
	"function search(text) {\n"
	"  var re = pattern(text), hits = [], end = -1, sum = 0;\n"
	"  frames.forEach(function (f) {\n"
	"    var hit = f !== root && re.test(f.name);\n"
	"    f.rect.setAttribute(\"fill\", hit ? \"rgb(230,0,230)\" : f.fill);\n"
	"    f.g.setAttribute(\"data-match\", hit ? \"1\" : \"0\");\n"
	"    if (hit) hits.push(f);\n"
	"  });\n"
	"  hits.sort(function (a, b) { return a.x - b.x || a.d - b.d; });\n"
	"  hits.forEach(function (f) {\n"
	"    if (f.x >= end) { sum += f.w; end = f.x + f.w; }\n"
	"  });\n"
	"  var pct = root.w > 0 ? (100 * sum / root.w).toFixed(2) : \"0.00\";\n"
	"  matched.textContent = \"Matched: \" + pct + \"% (\" + hits.length + \" frames)\";\n"
	"  svg.setAttribute(\"data-matched\", pct);\n"
	"  searchButton.textContent = \"Clear search\";\n"
	"  searching = true;\n"
	"}\n"
	"\n"
	"function clearSearch() {\n"
	"  frames.forEach(function (f) {\n"
	"    f.rect.setAttribute(\"fill\", f.fill);\n"
	"    f.g.removeAttribute(\"data-match\");\n"
	"  });\n"
	"  matched.textContent = \" \";\n"
	"  svg.removeAttribute(\"data-matched\");\n"
	"  searchButton.textContent = \"Search\";\n"
	"  searching = false;\n"
	"}\n"
	"\n"
	"function askSearch() {\n"
	"  var text = window.prompt(\"Search for functions (regular expression)\", \"\");\n"
	"  if (text) search(text);\n"
	"}\n"
	"\n"
	"Array.prototype.forEach.call(svg.querySelectorAll(\"g.f\"), function (g) {\n"
	"  var f = {\n"
	"    g: g, rect: g.querySelector(\"rect\"), text: g.querySelector(\"text\"),\n"
	"    name: g.getAttribute(\"data-n\"), x: +g.getAttribute(\"data-x\"),\n"
	"    w: +g.getAttribute(\"data-w\"), d: +g.getAttribute(\"data-d\"),\n"
	"    info: g.querySelector(\"title\").textContent\n"
	"  };\n"
	"  f.fill = f.rect.getAttribute(\"fill\");\n"
	"  if (f.d === 0) root = f;\n"
	"  frames.push(f);\n"
	"  g.addEventListener(\"click\", function () { zoom(f); });\n"
	"  g.addEventListener(\"mouseover\", function () { details.textContent = f.info; });\n"
	"  g.addEventListener(\"mouseout\", function () { details.textContent = \" \"; });\n"
	"});\n"
	"resetButton.addEventListener(\"click\", function () { zoom(root); });\n"
	"searchButton.addEventListener(\"click\", function () {\n"
	"  if (searching) clearSearch(); else askSearch();\n"
	"});\n"
	"layout();\n"
	"return { search: search, askSearch: askSearch,\n"
	"         escape: function () { clearSearch(); zoom(root); } };\n"
	"}\n";

/* The SVG file's own start-up: keys, ?s=REGEX. */
static const char boot[] =
	"(function () {\n"
	"var flame = ctrailFlame(document.documentElement);\n"
	"document.addEventListener(\"keydown\", function (e) {\n"
	"  if ((e.ctrlKey || e.metaKey) && e.key === \"f\") { e.preventDefault(); flame.askSearch(); }\n"
	"  else if (e.key === \"Escape\") flame.escape();\n"
	"});\n"
	"var query = new URLSearchParams(window.location.search).get(\"s\");\n"
	"if (query) flame.search(query);\n"
	"document.documentElement.setAttribute(\"data-ready\", \"1\");\n"
	"})();\n";

static void put_header(FILE *out, const struct flame_style *st, unsigned height)
{
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
		"width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
		"data-side=\"%d\" data-font-w=\"%.1f\" data-min-px=\"%.1f\">\n",
		st->width, height, st->width, height, SIDE, FONT_W, MIN_PX);
	fprintf(out, "<style>\n%s</style>\n", flame_svg_css);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"#f8f8f0\"/>\n",
		st->width, height);
	fprintf(out, "<text id=\"title\" x=\"%u\" y=\"24\" text-anchor=\"middle\">",
		st->width / 2);
	put_xml(out, st->title, SIZE_MAX);
	fprintf(out, "</text>\n<text id=\"subtitle\" x=\"%u\" y=\"42\" text-anchor=\"middle\">",
		st->width / 2);
	if (st->subtitle)
		put_xml(out, st->subtitle, SIZE_MAX);
	fprintf(out, "</text>\n<text id=\"reset\" class=\"button\" x=\"%d\" y=\"24\" "
		"style=\"display:none\">Reset zoom</text>\n", SIDE);
	fprintf(out, "<text id=\"search\" class=\"button\" x=\"%u\" y=\"24\" "
		"text-anchor=\"end\">Search</text>\n", st->width - SIDE);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n", SIDE, height - 10);
	fprintf(out, "<text id=\"matched\" x=\"%u\" y=\"%u\" text-anchor=\"end\"> </text>\n",
		st->width - SIDE, height - 10);
}

int flame_svg_write(FILE *out, const struct stack_tree *t,
		    const struct flame_style *st)
{
	unsigned height = TOP + (t->max_depth + 1) * FRAME_H + BOTTOM;
	uint64_t *offset = calloc(t->nnodes, sizeof(*offset));
	uint64_t whole = t->nodes[0].total_ns;
	double scale = whole ? (double)(st->width - 2 * SIDE) / whole : 0;

	if (!offset)
		return -ENOMEM;
	put_header(out, st, height);
	fputs("<g id=\"frames\">\n", out);
	/* a parent's index is below its children's: offsets flow upwards */
	for (uint32_t i = 0; i < t->nnodes; i++) {
		const struct stack_node *n = &t->nodes[i];
		uint64_t next = offset[i];
		double y = st->inverted ? TOP + n->depth * FRAME_H
					: height - BOTTOM - (n->depth + 1) * FRAME_H;

		for (uint32_t c = n->child; c != STACK_NONE; c = t->nodes[c].sibling) {
			offset[c] = next;
			next += t->nodes[c].total_ns;
		}
		if (i == 0 || n->total_ns * scale >= MIN_PX)
			put_frame(out, t, st, i, offset[i], scale, y);
	}
	fputs("</g>\n", out);
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s%s]]></script>\n",
		flame_svg_js, boot);
	fputs("</svg>\n", out);
	free(offset);
	return 0;
}
