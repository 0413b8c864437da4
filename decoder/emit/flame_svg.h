/* flame_svg.h - draws a finished stack_tree as a self-contained interactive
 * SVG flame graph: one box per stack, as wide as the stack's exact total
 * time, children on top of their parent (below it when inverted) in name
 * order.  The SVG carries its own script and style (nothing loaded from
 * anywhere): hovering a box shows its name, time and percent; clicking
 * zooms to it; Ctrl-F or the Search button highlights the functions whose
 * name matches a regular expression and shows their share of the total;
 * "?s=REGEX" in the URL searches on load.  Boxes narrower than 0.1 pixel
 * at full width are left out. */
#ifndef FLAME_SVG_H
#define FLAME_SVG_H

#include <stdio.h>
#include "stack_tree.h"

struct flame_style {
	const char *title;
	const char *subtitle; /* a line under the title, may be NULL */
	int inverted;         /* icicle: root on top */
	unsigned width;       /* pixels */
	/* Optional (ctrail diff): node i's fill as 0xRRGGBB instead of the
	 * colour of its name, and text added to its tooltip (note writes at
	 * most n bytes, NUL included, into buf). */
	uint32_t (*fill)(void *ctx, uint32_t node);
	void (*note)(void *ctx, uint32_t node, char *buf, size_t n);
	void *ctx;
};

/* For pages that draw flame graphs themselves (ctrail scope): the style
 * sheet and the script, whose ctrailFlame(svg) makes the boxes of an
 * svg element built like this file's interactive and returns { search(re),
 * askSearch(), escape() }; a name's fill ("rgb(R,G,B)" into buf[32]); the
 * layout constants as a JSON object {frameH, fontW, side, top, bottom,
 * minPx}. */
extern const char flame_svg_css[], flame_svg_js[];
char *flame_svg_color(char *buf, const char *name);
void flame_svg_geometry(FILE *out);

/* Writes the SVG of t (after stack_tree_finish).  Returns 0 or -ENOMEM;
 * write errors are left in out's error flag. */
int flame_svg_write(FILE *out, const struct stack_tree *t,
		    const struct flame_style *style);

#endif
