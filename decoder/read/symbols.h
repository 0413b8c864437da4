/* symbols.h - turns run-time code addresses into functions, files and lines
 * with elfutils (libelf symbol tables, libdw line tables), demangled.
 *
 * Modules are added as the snapshot's MODULE chunks describe them; a lookup
 * finds the module holding the address, subtracts its bias and asks the
 * ELF/DWARF of that file.  Results are cached per address, so decoding a
 * million events touches DWARF once per distinct address.  Missing files or
 * debug info are not errors: the address gets a placeholder symbol and a
 * note is kept for `ctrail info`. */
#ifndef SYMBOLS_H
#define SYMBOLS_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>
#include "ctr.h"
#include "reader.h"

/* Where symbols are looked up, for the whole run (cli.c sets them from
 * --debug-dir and --no-debuginfod before the first symbolizer).  Returns 0
 * or -ENOMEM. */
int symbols_add_debug_dir(const char *dir);
void symbols_no_debuginfod(void);
/* debuginfod's DEBUGINFOD_TIMEOUT when the environment has none, in s. */
#define SYMBOLS_DEBUGINFOD_TIMEOUT "5"

enum symbol_flags {
	SYMBOL_UNKNOWN = 1, /* no symbol covers the address: name is "0x..." or "module+0x..." */
	SYMBOL_THUNK = 2,   /* a compiler-made thunk (virtual/non-virtual thunk, PLT) */
	SYMBOL_SYNTHETIC = 4, /* made by the timeline for a slice that is no call
				 ("signal SIGALRM", "running NAME"): start 0 */
};

struct symbol {
	uint64_t start;   /* run-time address of the function's first byte
			     (the looked-up address when unknown) */
	uint64_t end;     /* one past its last byte */
	const char *name; /* demangled; clones shown as "f [clone .cold]" */
	const char *file; /* source file, NULL when unknown */
	unsigned line;    /* its line, 0 when unknown */
	int module;       /* index in the order modules were added, -1 if none */
	unsigned flags;   /* SYMBOL_* */
};

struct symbolizer;

struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *s);

/* Rewrites paths starting with `from` to start with `to` before opening
 * binaries and before reporting source files.  Returns 0 or -ENOMEM. */
int symbolizer_add_remap(struct symbolizer *s, const char *from, const char *to);

/* Files of a pack (ctrail pack), found by build id before any other
 * place; they must outlive the symbolizer.  Call before adding modules. */
void symbolizer_add_packed(struct symbolizer *s, const struct reader_packed *files,
			   size_t n);

/* Adds a loaded object.  Returns its index, or a negative errno. */
int symbolizer_add_module(struct symbolizer *s, const char *path, uint64_t bias,
			  const struct ctr_segment *segs, uint32_t nsegs,
			  const uint8_t *build_id, uint32_t build_id_size);

/* Never NULL.  The result lives as long as the symbolizer. */
const struct symbol *symbolizer_lookup(struct symbolizer *s, uint64_t addr);

/* The NUL-terminated string at a run-time address in a module's file (a
 * format string or name in read-only data), or NULL when no module file
 * holds one there.  Cached; it lives as long as the symbolizer. */
const char *symbolizer_string(struct symbolizer *s, uint64_t addr);

/* A new libdwfl session (dwfl_end it) holding every module at its
 * run-time address, from the file its symbols come from, for the unwinder
 * (unwind.c); modules read from a pack are left out.  NULL when out of
 * memory. */
struct Dwfl;
struct Dwfl *symbolizer_session(const struct symbolizer *s);

/* The functions inlined at a run-time code address, innermost first (at
 * most max of them), from DWARF: each the symbol of its out-of-line copy
 * when the module has one, else a symbol of its own.  Returns how many: 0
 * without debug info, or when nothing is inlined there. */
size_t symbolizer_inlined(struct symbolizer *s, uint64_t addr,
			  const struct symbol **out, size_t max);

/* The ELF files module `module` is read from: its binary (or the stand-in
 * for it) and, when separate, its debug file (else *debug is NULL); they
 * live as long as the symbolizer.  Returns 0, or -ENOENT when none. */
int symbolizer_module_elfs(struct symbolizer *s, int module, Elf **main, Elf **debug);

/* Notes on modules whose file or debug info could not be used, one per
 * line ("libfoo.so: no such file; addresses shown raw"), and on a
 * debuginfod server that did not answer.  NULL if none.  Made on each call
 * (it loads the debug info of modules no lookup needed yet, to tell); the
 * result lives until the next call. */
const char *symbolizer_notes(struct symbolizer *s);

#endif
