/* scope_html.h - writes `ctrail scope`'s page: one self-contained HTML
 * file (nothing loaded from anywhere) with a FlameScope heatmap of a
 * snapshot and the flame graph of the time range dragged over it.
 *
 * The page holds, in one JSON object: the function names (sorted by
 * strcmp, so a name's id orders like its name), their flame colours, and
 * per thread its heatmap cells (ns of traced or on-CPU time, column-major:
 * cell c * rows + r is second c's r-th slice) and its calls in begin order
 * as base64 of unsigned LEB128 varints, four per call: begin minus the
 * previous call's begin, duration (both in ns from the first event), the
 * zigzag of depth minus the previous depth, and the name id.  The script
 * decodes those into typed arrays, draws the heatmap as SVG rectangles,
 * and on a drag merges the calls cut to the range per stack and draws
 * them with flame_svg's script and style, as `ctrail flame --clip` would
 * (same boxes: same offsets and widths in ns).  With scheduling events a
 * thread also carries its changes between running and not (cpu_split.c's
 * track), and the range's flame graph can count on-CPU time instead, as
 * `ctrail flame --on-cpu --clip` would. */
#ifndef SCOPE_HTML_H
#define SCOPE_HTML_H

#include <stdint.h>
#include <stdio.h>

struct scope_html_thread {
	const char *label;      /* "NAME [TID]" */
	uint32_t tid;
	const uint8_t *calls;   /* the varints */
	size_t calls_size;
	uint64_t ncalls;
	const uint64_t *cells;  /* columns * rows */
	const uint8_t *states;  /* with scheduling events: its state changes
				   as varints of (ns - previous ns, 1 when
				   running else 0); NULL without */
	size_t states_size;
	uint64_t nstates;
};

struct scope_html {
	const char *title;
	const char *what; /* what the colour is: "traced time", "on-CPU time" */
	uint64_t span_ns, cell_ns;
	uint32_t rows, columns;
	const char *const *names; /* nnames, sorted */
	size_t nnames;
	const struct scope_html_thread *threads;
	size_t nthreads;
};

/* Writes the page; write errors are left in out's error flag. */
void scope_html_write(FILE *out, const struct scope_html *page);

/* Appends v as an unsigned LEB128 varint at buf (10 bytes at most);
 * returns the bytes written. */
size_t scope_html_varint(uint8_t *buf, uint64_t v);

#endif
