/* symbols.c - the symbolizer: run-time code addresses to demangled function
 * names, declaration file:line, with elfutils.
 *
 * Each module gets its own libdwfl session (Dwfl), reported at bias 0, so
 * everything asked of elfutils is in file addresses (run-time address minus
 * the module's bias), and modules whose ranges overlap (one dlclose'd, another
 * loaded in its place) never clash.
 *
 * Where a module's file comes from, by its build id (docs/ctrail.md, "Where
 * symbols come from"): a pack's copy (ctrail pack), else the file at its
 * recorded path (after remaps) when its build id matches, else a debug file
 * found by build id (below) standing in for the binary.  Debug info the
 * binary lacks is looked up, in order, in each --debug-dir DIR as
 * DIR/.build-id/xx/rest.debug, then the standard places through libdwfl
 * (/usr/lib/debug/.build-id, .gnu_debuglink next to the binary, in its
 * .debug/ and under /usr/lib/debug), then debuginfod.
 *
 * debuginfod is asked by this file only, never by libdwfl itself:
 * DEBUGINFOD_URLS is taken out of the environment when the first symbolizer
 * is made and put back only around our own query, so libdwfl's built-in
 * client (which asked up to six times per build id, 90 s each) finds no
 * server.  Each build id is asked once per run (the answer is kept in
 * `asked`), with DEBUGINFOD_TIMEOUT defaulting to 5 s and
 * DEBUGINFOD_RETRY_LIMIT to 0 (the client's 90 s and 2), and after a server
 * fails to answer it is not asked again in the run: one note says so.
 *
 * Address to function does not use dwfl_module_addrinfo: it scans the whole
 * symbol table on every call and prefers weak over global symbols.  Instead,
 * on the first lookup in a module, its function symbols (plus one entry per
 * x86-64 PLT slot, named "name@plt") are sorted by start into `funcs`, one
 * entry per start address, the best binding kept (global, then local, then
 * weak); a lookup is a binary search.  Each entry builds its struct symbol
 * on first use, so a function is one struct however many addresses in it are
 * looked up, and DWARF is walked once per function.  On top of that, a hash
 * table maps every looked-up address to its symbol, so repeated addresses
 * cost one probe.
 *
 * Every string and struct symbol lives in an arena freed at once; strings
 * are interned in a hash set so the same file name is stored once. */
#define _GNU_SOURCE /* asprintf, vasprintf */
#include "symbols.h"
#include "pack.h"

#include <dwarf.h>
#include <elfutils/debuginfod.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* ---- arena: all symbols and strings, freed together ---- */

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	char data[];
};

#define ARENA_BLOCK (64 * 1024)

static void *arena_alloc(struct arena_block **arena, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	struct arena_block *b = *arena;
	if (!b || b->size - b->used < n) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = *arena;
		*arena = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

static void arena_free(struct arena_block *b)
{
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
}

/* ---- open-addressing hash tables (linear probing, at most half full) ---- */

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return x;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

struct addr_slot {
	uint64_t addr;
	const struct symbol *sym; /* NULL: empty slot */
};

struct addr_map {
	struct addr_slot *slots;
	size_t mask, count;
};

static const struct symbol *addr_map_get(const struct addr_map *m, uint64_t addr)
{
	if (!m->slots)
		return NULL;
	for (size_t i = hash64(addr) & m->mask;; i = (i + 1) & m->mask) {
		if (!m->slots[i].sym)
			return NULL;
		if (m->slots[i].addr == addr)
			return m->slots[i].sym;
	}
}

static void addr_map_insert(struct addr_slot *slots, size_t mask, uint64_t addr,
			    const struct symbol *sym)
{
	size_t i = hash64(addr) & mask;
	while (slots[i].sym)
		i = (i + 1) & mask;
	slots[i].addr = addr;
	slots[i].sym = sym;
}

/* Returns 0 or -ENOMEM (the entry is then not cached, which is harmless). */
static int addr_map_put(struct addr_map *m, uint64_t addr, const struct symbol *sym)
{
	if (2 * (m->count + 1) > m->mask + 1 || !m->slots) {
		size_t n = m->slots ? 2 * (m->mask + 1) : 1024;
		struct addr_slot *slots = calloc(n, sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		for (size_t i = 0; m->slots && i <= m->mask; i++)
			if (m->slots[i].sym)
				addr_map_insert(slots, n - 1, m->slots[i].addr, m->slots[i].sym);
		free(m->slots);
		m->slots = slots;
		m->mask = n - 1;
	}
	addr_map_insert(m->slots, m->mask, addr, sym);
	m->count++;
	return 0;
}

struct str_set {
	const char **slots; /* NULL: empty slot */
	size_t mask, count;
};

static void str_set_insert(const char **slots, size_t mask, const char *s)
{
	size_t i = hash_str(s) & mask;
	while (slots[i])
		i = (i + 1) & mask;
	slots[i] = s;
}

/* ---- the symbolizer ---- */

struct func {
	uint64_t start, end;      /* file addresses */
	const char *raw;          /* ELF name, owned by libelf */
	unsigned rank;            /* lower is better: global, local, weak */
	bool plt;                 /* a PLT slot: name is raw + "@plt" */
	const struct symbol *sym; /* built on first lookup */
};

struct plt_range {
	uint64_t start, end; /* file addresses of a .plt* section */
	const struct symbol *sym;
};

struct module {
	char *path;       /* as recorded */
	char *open_path;  /* after remaps */
	uint64_t bias;
	struct ctr_segment *segs;
	uint32_t nsegs;
	Dwfl *dwfl;       /* NULL when the file could not be used */
	Dwfl_Module *mod;
	char *note;       /* what `ctrail info` says of it, malloc'd; NULL: none */
	bool dwarf_note;  /* no note yet: say "no debug info" if it has none */
	bool dwarf_loaded; /* has_dwarf is known (loaded on first need) */
	bool has_dwarf;
	bool funcs_loaded;
	struct func *funcs;
	size_t nfuncs;
	struct plt_range plts[4];
	unsigned nplts;
};

struct remap {
	char *from, *to;
	size_t from_len;
};

struct symbolizer {
	struct module *modules;
	size_t nmodules;
	const struct reader_packed *packed; /* files of a pack, by build id */
	size_t npacked;
	struct remap *remaps;
	size_t nremaps;
	struct addr_map cache;
	struct addr_map string_cache; /* symbolizer_string(): name is the string */
	struct str_set strings;
	struct arena_block *arena;
	char *notes; /* malloc'd, lines ending in '\n', made by symbolizer_notes */
	char *lookup_note; /* the debuginfod note, if it came in this symbolizer */
	size_t notes_len;
	struct symbol nomem; /* returned when memory runs out: never NULL */
};

/* ---- lookups by build id: debug dirs, the standard places, debuginfod ---- */

/* What debuginfod said about one build id this run: the file it gave (NULL:
 * none). */
struct asked {
	uint8_t id[64];
	uint32_t size;
	char *path;
};

static struct {
	bool started;       /* DEBUGINFOD_URLS taken out of the environment */
	char *urls;         /* its value, NULL when unset or turned off */
	bool server_down;   /* a query got no answer: none more this run */
	char *down_note;    /* the note saying so, until a symbolizer takes it */
	char **debug_dirs;  /* --debug-dir, in order */
	size_t ndebug_dirs;
	struct asked *asked;
	size_t nasked;
} lookup;

static void start_lookups(void)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	if (lookup.started)
		return;
	lookup.started = true;
	if (urls && *urls && !lookup.urls)
		lookup.urls = strdup(urls);
	unsetenv("DEBUGINFOD_URLS");
	if (!getenv("DEBUGINFOD_TIMEOUT"))
		setenv("DEBUGINFOD_TIMEOUT", SYMBOLS_DEBUGINFOD_TIMEOUT, 1);
	/* The client tries twice more after a failure unless told. */
	if (!getenv("DEBUGINFOD_RETRY_LIMIT"))
		setenv("DEBUGINFOD_RETRY_LIMIT", "0", 1);
}

int symbols_add_debug_dir(const char *dir)
{
	char **dirs = realloc(lookup.debug_dirs, (lookup.ndebug_dirs + 1) * sizeof(*dirs));

	if (!dirs)
		return -ENOMEM;
	lookup.debug_dirs = dirs;
	if (!(dirs[lookup.ndebug_dirs] = strdup(dir)))
		return -ENOMEM;
	lookup.ndebug_dirs++;
	return 0;
}

void symbols_no_debuginfod(void)
{
	start_lookups();
	free(lookup.urls);
	lookup.urls = NULL;
}

/* "DIR/.build-id/xx/rest.debug" for a build id, malloc'd, or NULL. */
static char *build_id_path(const char *dir, const uint8_t *id, uint32_t size)
{
	char *path = malloc(strlen(dir) + 2 * size + 32), *p;

	if (!path || size < 2) {
		free(path);
		return NULL;
	}
	p = path + sprintf(path, "%s/.build-id/%02x/", dir, id[0]);
	for (uint32_t i = 1; i < size; i++)
		p += sprintf(p, "%02x", id[i]);
	strcpy(p, ".debug");
	return path;
}

/* The first --debug-dir holding the build id's debug file, opened; -1 if
 * none.  *path gets its name (malloc'd). */
static int open_from_debug_dirs(const uint8_t *id, uint32_t size, char **path)
{
	for (size_t i = 0; i < lookup.ndebug_dirs; i++) {
		char *p = build_id_path(lookup.debug_dirs[i], id, size);
		int fd = p ? open(p, O_RDONLY | O_CLOEXEC) : -1;

		if (fd >= 0) {
			*path = p;
			return fd;
		}
		free(p);
	}
	return -1;
}

static struct asked *asked_before(const uint8_t *id, uint32_t size)
{
	for (size_t i = 0; i < lookup.nasked; i++)
		if (lookup.asked[i].size == size && !memcmp(lookup.asked[i].id, id, size))
			return &lookup.asked[i];
	return NULL;
}

/* Keeps debuginfod's answer (path, malloc'd, or NULL) for the build id;
 * returns path, or NULL (path freed) when out of memory. */
static const char *remember(const uint8_t *id, uint32_t size, char *path)
{
	struct asked *a = realloc(lookup.asked, (lookup.nasked + 1) * sizeof(*a));

	if (!a) {
		free(path);
		return NULL;
	}
	lookup.asked = a;
	a = &a[lookup.nasked++];
	memcpy(a->id, id, size);
	a->size = size;
	a->path = path;
	return path;
}

/* debuginfod's debug file for a build id: the path of its cached copy
 * (owned by `lookup`), or NULL.  Asks at most once per build id per run and
 * not at all once a server failed to answer. */
static const char *debuginfod_debuginfo(const uint8_t *id, uint32_t size)
{
	struct asked *a = asked_before(id, size);
	debuginfod_client *client;
	char *path = NULL;
	int fd;

	if (a)
		return a->path;
	if (!lookup.urls || lookup.server_down || size == 0 || size > sizeof(a->id))
		return NULL;
	client = debuginfod_begin();
	if (!client)
		return NULL;
	/* The client reads the servers from the environment when it asks. */
	setenv("DEBUGINFOD_URLS", lookup.urls, 1);
	fd = debuginfod_find_debuginfo(client, id, (int)size, &path);
	unsetenv("DEBUGINFOD_URLS");
	debuginfod_end(client);
	if (fd >= 0)
		close(fd);
	if (fd < 0 && fd != -ENOENT) {
		lookup.server_down = true;
		if (asprintf(&lookup.down_note,
			     "debuginfod (%s): %s after at most %s s; not asked again in this run "
			     "(DEBUGINFOD_TIMEOUT sets the wait, --no-debuginfod turns it off)",
			     lookup.urls, strerror(-fd), getenv("DEBUGINFOD_TIMEOUT")) < 0)
			lookup.down_note = NULL;
	}
	if (fd < 0) {
		free(path);
		path = NULL;
	}
	return remember(id, size, path);
}

/* libdwfl's find_debuginfo: the --debug-dir trees, then the standard
 * places (with no debuginfod: it is not in the environment), then our
 * debuginfod query. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name,
			  const char *debuglink_file, GElf_Word debuglink_crc,
			  char **debuginfo_file_name)
{
	const unsigned char *id;
	GElf_Addr vaddr;
	int size = dwfl_module_build_id(mod, &id, &vaddr);
	int fd = size > 0 ? open_from_debug_dirs(id, size, debuginfo_file_name) : -1;
	const char *fetched;

	if (fd >= 0)
		return fd;
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
					  debuglink_file, debuglink_crc,
					  debuginfo_file_name);
	if (fd >= 0 || size <= 0 || !(fetched = debuginfod_debuginfo(id, size)))
		return fd;
	fd = open(fetched, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		*debuginfo_file_name = strdup(fetched);
	return fd;
}

static char *debuginfo_path;

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

struct symbolizer *symbolizer_new(void)
{
	struct symbolizer *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	start_lookups();
	s->nomem.name = "[out of memory]";
	s->nomem.module = -1;
	s->nomem.flags = SYMBOL_UNKNOWN;
	return s;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nmodules; i++) {
		struct module *m = &s->modules[i];
		if (m->dwfl)
			dwfl_end(m->dwfl);
		free(m->note);
		free(m->path);
		free(m->open_path);
		free(m->segs);
		free(m->funcs);
	}
	free(s->modules);
	for (size_t i = 0; i < s->nremaps; i++) {
		free(s->remaps[i].from);
		free(s->remaps[i].to);
	}
	free(s->remaps);
	free(s->cache.slots);
	free(s->string_cache.slots);
	free(s->strings.slots);
	arena_free(s->arena);
	free(s->notes);
	free(s->lookup_note);
	free(s);
}

/* Returns the symbolizer's copy of `str`, or NULL when out of memory. */
static const char *intern(struct symbolizer *s, const char *str)
{
	struct str_set *set = &s->strings;
	if (set->slots) {
		for (size_t i = hash_str(str) & set->mask; set->slots[i]; i = (i + 1) & set->mask)
			if (strcmp(set->slots[i], str) == 0)
				return set->slots[i];
	}
	if (2 * (set->count + 1) > set->mask + 1 || !set->slots) {
		size_t n = set->slots ? 2 * (set->mask + 1) : 1024;
		const char **slots = calloc(n, sizeof(*slots));
		if (!slots)
			return NULL;
		for (size_t i = 0; set->slots && i <= set->mask; i++)
			if (set->slots[i])
				str_set_insert(slots, n - 1, set->slots[i]);
		free(set->slots);
		set->slots = slots;
		set->mask = n - 1;
	}
	size_t len = strlen(str) + 1;
	char *copy = arena_alloc(&s->arena, len);
	if (!copy)
		return NULL;
	memcpy(copy, str, len);
	str_set_insert(set->slots, set->mask, copy);
	set->count++;
	return copy;
}

/* intern() for a malloc'd string, which it frees. */
static const char *intern_owned(struct symbolizer *s, char *str)
{
	if (!str)
		return NULL;
	const char *r = intern(s, str);
	free(str);
	return r;
}

/* The module's note, "PATH[ (as OPEN_PATH)]: " and the text. */
static void set_note(struct module *m, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	char *note = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (strcmp(m->path, m->open_path) != 0)
		n = asprintf(&note, "%s (as %s): %s", m->path, m->open_path, text);
	else
		n = asprintf(&note, "%s: %s", m->path, text);
	free(text);
	free(m->note);
	m->note = n < 0 ? NULL : note;
}

/* Loads the module's DWARF on first need: libdw inflates compressed debug
 * sections as it opens them (libc's take tens of ms), so a module none of
 * whose addresses is looked up never pays for it. */
static bool module_dwarf(struct module *m)
{
	Dwarf_Addr bias;

	if (!m->dwarf_loaded && m->mod)
		m->has_dwarf = dwfl_module_getdwarf(m->mod, &bias) != NULL;
	m->dwarf_loaded = true;
	return m->has_dwarf;
}

static void append_line(struct symbolizer *s, const char *line)
{
	size_t n = strlen(line);
	char *notes = realloc(s->notes, s->notes_len + n + 2);

	if (!notes)
		return;
	memcpy(notes + s->notes_len, line, n);
	s->notes_len += n;
	notes[s->notes_len++] = '\n';
	notes[s->notes_len] = '\0';
	s->notes = notes;
}

const char *symbolizer_notes(struct symbolizer *s)
{
	free(s->notes);
	s->notes = NULL;
	s->notes_len = 0;
	for (size_t i = 0; i < s->nmodules; i++) {
		struct module *m = &s->modules[i];

		if (m->dwarf_note && !module_dwarf(m))
			set_note(m, "no debug info; no file:line");
		m->dwarf_note = false;
		if (m->note)
			append_line(s, m->note);
	}
	if (lookup.down_note) {
		free(s->lookup_note);
		s->lookup_note = lookup.down_note;
		lookup.down_note = NULL;
	}
	if (s->lookup_note)
		append_line(s, s->lookup_note);
	return s->notes;
}

void symbolizer_add_packed(struct symbolizer *s, const struct reader_packed *files,
			   size_t n)
{
	s->packed = files;
	s->npacked = n;
}

int symbolizer_module_elfs(struct symbolizer *s, int module, Elf **main, Elf **debug)
{
	struct module *m = &s->modules[module];
	Dwarf_Addr bias;
	Dwarf *dw;

	if (!m->mod)
		return -ENOENT;
	*main = dwfl_module_getelf(m->mod, &bias);
	dw = dwfl_module_getdwarf(m->mod, &bias);
	*debug = dw ? dwarf_getelf(dw) : NULL;
	if (*debug == *main)
		*debug = NULL;
	return *main ? 0 : -ENOENT;
}

/* ---- remaps ---- */

int symbolizer_add_remap(struct symbolizer *s, const char *from, const char *to)
{
	struct remap *r = realloc(s->remaps, (s->nremaps + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->remaps = r;
	r = &s->remaps[s->nremaps];
	r->from = strdup(from);
	r->to = strdup(to);
	if (!r->from || !r->to) {
		free(r->from);
		free(r->to);
		return -ENOMEM;
	}
	r->from_len = strlen(from);
	s->nremaps++;
	return 0;
}

/* Returns a malloc'd copy of `path` with the longest matching remap
 * applied, or NULL when out of memory. */
static char *remap_path(const struct symbolizer *s, const char *path)
{
	const struct remap *best = NULL;
	for (size_t i = 0; i < s->nremaps; i++) {
		const struct remap *r = &s->remaps[i];
		if (strncmp(path, r->from, r->from_len) == 0 &&
		    (!best || r->from_len > best->from_len))
			best = r;
	}
	if (!best)
		return strdup(path);
	char *out = NULL;
	if (asprintf(&out, "%s%s", best->to, path + best->from_len) < 0)
		return NULL;
	return out;
}

/* ---- modules ---- */

/* Makes the module's libdwfl session on ELF file `fd` (consumed), or on
 * `file` when fd is -1.  Returns false when it is not usable ELF. */
static bool report_file(struct module *m, const char *file, int fd)
{
	m->dwfl = dwfl_begin(&offline_callbacks);
	if (!m->dwfl) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	dwfl_report_begin(m->dwfl);
	/* Base 0: libdwfl addresses are the file's own. */
	m->mod = dwfl_report_elf(m->dwfl, m->path, file, fd, 0, true);
	dwfl_report_end(m->dwfl, NULL, NULL);
	if (!m->mod) {
		dwfl_end(m->dwfl);
		m->dwfl = NULL;
	}
	return m->mod != NULL;
}

static void drop_file(struct module *m)
{
	dwfl_end(m->dwfl);
	m->dwfl = NULL;
	m->mod = NULL;
}

/* The pack's copy of the build id's file, inflated and opened; -ENOENT
 * when the pack has none, another negative errno when it is damaged. */
static int open_packed(const struct symbolizer *s, const uint8_t *id, uint32_t size)
{
	for (size_t i = 0; size && i < s->npacked; i++)
		if (s->packed[i].hdr->build_id_size == size &&
		    !memcmp(s->packed[i].build_id, id, size))
			return pack_open_elf(&s->packed[i]);
	return -ENOENT;
}

/* A debug file found by build id, standing in for a binary that is
 * missing or another build: from a --debug-dir tree, /usr/lib/debug or
 * debuginfod.  Returns it opened with *path set (malloc'd), or -1. */
static int open_stand_in(const uint8_t *id, uint32_t size, char **path)
{
	int fd = open_from_debug_dirs(id, size, path);
	char *p;
	const char *fetched;

	if (fd >= 0 || !size)
		return fd;
	p = build_id_path("/usr/lib/debug", id, size);
	if (p && (fd = open(p, O_RDONLY | O_CLOEXEC)) >= 0) {
		*path = p;
		return fd;
	}
	free(p);
	if (!(fetched = debuginfod_debuginfo(id, size)) ||
	    (fd = open(fetched, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	*path = strdup(fetched);
	return fd;
}

static bool build_id_differs(struct module *m, const uint8_t *id, uint32_t size)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(m->mod, &bits, &vaddr);
	if (n <= 0 || size == 0)
		return false;
	return (uint32_t)n != size || memcmp(bits, id, size) != 0;
}

/* Opens the module's file: the pack's copy, the file at its path, or a
 * stand-in found by build id.  Returns "" when it is the traced build, or
 * what is wrong, for the note; *stand_in names a stand-in used (malloc'd). */
static const char *open_module(struct symbolizer *s, struct module *m,
			       const uint8_t *id, uint32_t size, char **stand_in)
{
	const char *why = "";
	int fd = open_packed(s, id, size);

	if (fd >= 0)
		return report_file(m, m->open_path, fd) ? "" : "the pack's copy is not usable ELF";
	if (fd != -ENOENT)
		return "the pack's copy is damaged";
	if (access(m->open_path, F_OK) != 0)
		why = "no such file";
	else if (access(m->open_path, R_OK) != 0)
		why = "cannot read";
	else if (!report_file(m, m->open_path, -1))
		why = "not a usable ELF file";
	else if (build_id_differs(m, id, size))
		why = "build id differs from the traced binary";
	if (!*why || (fd = open_stand_in(id, size, stand_in)) < 0)
		return why;
	if (m->mod)
		drop_file(m);
	if (!report_file(m, *stand_in, fd)) {
		free(*stand_in);
		*stand_in = NULL;
	}
	return why;
}

/* Opens the module and makes its note, if any (the one about missing
 * debug info waits for symbolizer_notes). */
static void check_module(struct symbolizer *s, struct module *m,
			 const uint8_t *build_id, uint32_t build_id_size)
{
	char *stand_in = NULL;
	const char *why = open_module(s, m, build_id, build_id_size, &stand_in);

	if (stand_in) {
		set_note(m, "%s; symbols from %s, found by build id", why, stand_in);
		free(stand_in);
	} else if (!m->mod) {
		/* "linux-vdso.so.1" and the like: no file to read, nothing to say. */
		if (strchr(m->path, '/'))
			set_note(m, "%s; addresses shown raw", why);
	} else if (*why) {
		set_note(m, "%s; names may be wrong", why);
	} else if (dwfl_module_getsymtab(m->mod) <= 0) {
		set_note(m, "no symbols; addresses shown raw");
	} else {
		m->dwarf_note = true;
	}
}

int symbolizer_add_module(struct symbolizer *s, const char *path, uint64_t bias,
			  const struct ctr_segment *segs, uint32_t nsegs,
			  const uint8_t *build_id, uint32_t build_id_size)
{
	struct module *mods = realloc(s->modules, (s->nmodules + 1) * sizeof(*mods));
	if (!mods)
		return -ENOMEM;
	s->modules = mods;
	struct module *m = &mods[s->nmodules];
	memset(m, 0, sizeof(*m));
	m->bias = bias;
	m->nsegs = nsegs;
	m->path = strdup(path);
	m->open_path = remap_path(s, path);
	m->segs = malloc(nsegs * sizeof(*segs) + 1);
	if (!m->path || !m->open_path || !m->segs) {
		free(m->path);
		free(m->open_path);
		free(m->segs);
		return -ENOMEM;
	}
	if (nsegs)
		memcpy(m->segs, segs, nsegs * sizeof(*segs));
	check_module(s, m, build_id, build_id_size);
	return (int)s->nmodules++;
}

Dwfl *symbolizer_session(const struct symbolizer *s)
{
	Dwfl *dwfl = dwfl_begin(&offline_callbacks);

	if (!dwfl)
		return NULL;
	dwfl_report_begin(dwfl);
	for (size_t i = 0; i < s->nmodules; i++) {
		const struct module *m = &s->modules[i];
		const char *file = NULL;
		/* the file the module's own session opened (a stand-in found
		 * by build id, when the recorded one was missing or another
		 * build); a pack's copy, opened from memory, has no name */
		if (m->mod)
			dwfl_module_info(m->mod, NULL, NULL, NULL, NULL, NULL, &file, NULL);
		if (file && access(file, R_OK) == 0)
			dwfl_report_elf(dwfl, m->path, file, -1, m->bias, false);
	}
	dwfl_report_end(dwfl, NULL, NULL);
	return dwfl;
}

/* The first-added module with a segment holding addr, or -1.  A linear
 * scan: it runs once per distinct address, next to far costlier work. */
static int module_of(const struct symbolizer *s, uint64_t addr)
{
	for (size_t i = 0; i < s->nmodules; i++) {
		const struct module *m = &s->modules[i];
		for (uint32_t j = 0; j < m->nsegs; j++)
			if (addr >= m->segs[j].start && addr < m->segs[j].end)
				return (int)i;
	}
	return -1;
}

/* ---- function tables ---- */

static unsigned bind_rank(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL: return 0;
	case STB_LOCAL: return 1;
	default: return 2;
	}
}

static size_t leading_underscores(const char *name)
{
	return strspn(name, "_");
}

/* Orders by start, then puts the alias to show first: global, then fewer
 * leading underscores ("strtol" over a local "__GI_strtol"), then local
 * over weak, then the shorter name; ties by name so the choice is stable. */
static int func_cmp(const void *a, const void *b)
{
	const struct func *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if ((x->rank == 0) != (y->rank == 0))
		return x->rank == 0 ? -1 : 1;
	size_t ux = leading_underscores(x->raw), uy = leading_underscores(y->raw);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	size_t lx = strcspn(x->raw, "@"), ly = strcspn(y->raw, "@");
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->raw, y->raw);
}

static int push_func(struct module *m, size_t *cap, struct func f)
{
	if (m->nfuncs == *cap) {
		size_t n = *cap ? 2 * *cap : 256;
		struct func *funcs = realloc(m->funcs, n * sizeof(*funcs));
		if (!funcs)
			return -ENOMEM;
		m->funcs = funcs;
		*cap = n;
	}
	m->funcs[m->nfuncs++] = f;
	return 0;
}

static void load_symtab(struct module *m, size_t *cap)
{
	int n = dwfl_module_getsymtab(m->mod);
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(m->mod, i, &sym, &addr, &shndx,
							   NULL, NULL);
		unsigned type = GELF_ST_TYPE(sym.st_info);
		if (!name || !*name || sym.st_size == 0 || shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		struct func f = { addr, addr + sym.st_size, name, bind_rank(sym.st_info),
				  false, NULL };
		if (push_func(m, cap, f) < 0)
			return;
	}
}

/* x86-64 lazy-binding PLT: slot i of .plt.sec (IBT builds), or slot i + 1
 * of .plt (slot 0 is the resolver stub), jumps through .rela.plt[i]. */
static void load_plt(struct module *m, size_t *cap)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(m->mod, &bias);
	GElf_Ehdr ehdr;
	size_t shstrndx;
	if (!elf || !gelf_getehdr(elf, &ehdr) || elf_getshdrstrndx(elf, &shstrndx) < 0)
		return;
	Elf_Scn *scn = NULL, *rela = NULL;
	GElf_Shdr plt = { 0 }, plt_sec = { 0 }, rela_shdr = { 0 };
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(name, ".rela.plt") == 0) {
			rela = scn;
			rela_shdr = sh;
		}
		if (strncmp(name, ".plt", 4) != 0 || m->nplts == 4)
			continue;
		m->plts[m->nplts++] = (struct plt_range){ sh.sh_addr, sh.sh_addr + sh.sh_size, NULL };
		if (strcmp(name, ".plt") == 0)
			plt = sh;
		else if (strcmp(name, ".plt.sec") == 0)
			plt_sec = sh;
	}
	/* A debug file standing in for the binary has them as NOBITS. */
	if (ehdr.e_machine != EM_X86_64 || !rela || rela_shdr.sh_entsize == 0 ||
	    rela_shdr.sh_type == SHT_NOBITS)
		return;
	uint64_t base = plt_sec.sh_size ? plt_sec.sh_addr : plt.sh_addr + 16;
	uint64_t limit = plt_sec.sh_size ? plt_sec.sh_addr + plt_sec.sh_size
					 : plt.sh_addr + plt.sh_size;
	Elf_Data *data = elf_getdata(rela, NULL);
	Elf_Scn *dynsym = elf_getscn(elf, rela_shdr.sh_link);
	GElf_Shdr dynsym_shdr;
	Elf_Data *symdata = dynsym ? elf_getdata(dynsym, NULL) : NULL;
	if (!data || !symdata || !gelf_getshdr(dynsym, &dynsym_shdr) ||
	    dynsym_shdr.sh_type == SHT_NOBITS || !data->d_buf || !symdata->d_buf)
		return;
	size_t n = rela_shdr.sh_size / rela_shdr.sh_entsize;
	for (size_t i = 0; i < n && base + 16 * (i + 1) <= limit; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *name;
		if (!gelf_getrela(data, (int)i, &r) || GELF_R_SYM(r.r_info) == 0 ||
		    !gelf_getsym(symdata, (int)GELF_R_SYM(r.r_info), &sym) ||
		    !(name = elf_strptr(elf, dynsym_shdr.sh_link, sym.st_name)) || !*name)
			continue;
		struct func f = { base + 16 * i, base + 16 * (i + 1), name, 0, true, NULL };
		if (push_func(m, cap, f) < 0)
			return;
	}
}

static void load_funcs(struct module *m)
{
	size_t cap = 0;
	m->funcs_loaded = true;
	load_symtab(m, &cap);
	load_plt(m, &cap);
	qsort(m->funcs, m->nfuncs, sizeof(*m->funcs), func_cmp);
	/* Keep one entry per start: the first, the best alias. */
	size_t out = 0;
	for (size_t i = 0; i < m->nfuncs; i++)
		if (out == 0 || m->funcs[out - 1].start != m->funcs[i].start)
			m->funcs[out++] = m->funcs[i];
	m->nfuncs = out;
}

/* The function holding file address `addr`, or NULL.  The binary search
 * finds the last function starting at or before addr; a few earlier ones
 * are also tried for the rare symbol that encloses others (assembly). */
static struct func *find_func(struct module *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nfuncs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->funcs[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, tries = 0; i > 0 && tries < 16; i--, tries++)
		if (addr < m->funcs[i - 1].end)
			return &m->funcs[i - 1];
	return NULL;
}

/* ---- names ---- */

/* GCC's clone suffixes, shown as c++filt does: "f [clone .isra.0]". */
static const char *const clone_kinds[] = {
	"cold", "part", "isra", "constprop", "lto_priv", "localalias", "clone", NULL,
};

/* Length of one ".kind" or ".kind.N..." clone suffix at p, or 0. */
static size_t clone_suffix_len(const char *p)
{
	if (*p != '.')
		return 0;
	for (const char *const *k = clone_kinds; *k; k++) {
		size_t n = strlen(*k);
		if (strncmp(p + 1, *k, n) != 0 || (p[1 + n] && p[1 + n] != '.'))
			continue;
		size_t len = 1 + n;
		while (p[len] == '.' && p[len + 1] >= '0' && p[len + 1] <= '9') {
			len++;
			while (p[len] >= '0' && p[len] <= '9')
				len++;
		}
		return len;
	}
	return 0;
}

/* "base" demangled when mangled, or NULL when it is not. */
static char *demangle(const char *base)
{
	int status;
	if (strncmp(base, "_Z", 2) != 0)
		return NULL;
	char *d = __cxa_demangle(base, NULL, NULL, &status);
	return status == 0 ? d : NULL;
}

/* Where the clone suffixes of `raw` start ("foo.isra.0.cold" -> 3), or its
 * length when it has none or something after the first dot is not one. */
static size_t clone_suffixes_at(const char *raw)
{
	const char *dot = strchr(raw, '.');
	if (!dot)
		return strlen(raw);
	size_t len;
	for (const char *p = dot; *p; p += len)
		if (!(len = clone_suffix_len(p)))
			return strlen(raw);
	return (size_t)(dot - raw);
}

/* Returns the name to show for ELF symbol `raw` followed by `tail`,
 * malloc'd, or NULL when out of memory. */
static char *pretty_name(const char *raw, const char *tail)
{
	char *out = NULL, *whole = demangle(raw);
	if (whole) {
		if (asprintf(&out, "%s%s", whole, tail) < 0)
			out = NULL;
		free(whole);
		return out;
	}
	if (strchr(raw, '@')) {
		/* A symbol version ("fopen@@GLIBC_2.2.5"): show the name alone. */
		char *plain = strndup(raw, strcspn(raw, "@"));
		out = plain ? pretty_name(plain, tail) : NULL;
		free(plain);
		return out;
	}
	/* Not mangled, or the demangler did not take the clone suffixes:
	 * demangle the part before them and add them the c++filt way. */
	size_t at = clone_suffixes_at(raw);
	char *base = strndup(raw, at);
	if (!base)
		return NULL;
	char *shown = demangle(base);
	/* Each suffix grows by " [clone ]": at most 9 bytes per source byte. */
	size_t size = strlen(shown ? shown : base) + 9 * strlen(raw + at) + strlen(tail) + 1;
	out = malloc(size);
	if (out) {
		strcpy(out, shown ? shown : base);
		size_t len;
		for (const char *p = raw + at; *p; p += len) {
			len = clone_suffix_len(p);
			strcat(out, " [clone ");
			strncat(out, p, len);
			strcat(out, "]");
		}
		strcat(out, tail);
	}
	free(shown);
	free(base);
	return out;
}

static bool is_thunk_name(const char *name)
{
	return strncmp(name, "virtual thunk to ", 17) == 0 ||
	       strncmp(name, "non-virtual thunk to ", 21) == 0 ||
	       strncmp(name, "covariant return thunk to ", 26) == 0;
}

/* ---- DWARF ---- */

/* The path to report for source `file` of compilation unit `cu`: made
 * absolute with the unit's DW_AT_comp_dir (gcc records "dir/x.c" as given
 * on its command line), then remapped.  Malloc'd, or NULL. */
static char *source_path(const struct symbolizer *s, Dwarf_Die *cu, const char *file)
{
	Dwarf_Attribute attr;
	const char *dir = NULL;
	if (file[0] != '/' && cu)
		dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
	if (!dir || dir[0] != '/') /* relative: built with -fdebug-prefix-map */
		return remap_path(s, file);
	while (file[0] == '.' && file[1] == '/')
		file += 2;
	char *joined = NULL;
	if (asprintf(&joined, "%s/%s", dir, file) < 0)
		return NULL;
	char *out = remap_path(s, joined);
	free(joined);
	return out;
}

/* Declaration file:line of the out-of-line function holding file address
 * `addr`; the line of addr itself when no declaration is found. */
/* The compilation unit holding file address addr.  libdw finds it through
 * .debug_aranges, which clang does not emit; then the units are walked. */
static Dwarf_Die *cu_of(struct module *m, uint64_t addr, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(m->mod, addr, bias);

	if (cu)
		return cu;
	while ((cu = dwfl_module_nextcu(m->mod, cu, bias)))
		if (dwarf_haspc(cu, addr - *bias) > 0)
			return cu;
	return NULL;
}

/* DW_AT_decl_file of die.  libdw 0.188's dwarf_decl_file refuses index 0,
 * which clang's DWARF 5 gives the unit's main file, so the index is also
 * looked up by hand. */
static const char *decl_file(Dwarf_Die *die, Dwarf_Die *cu)
{
	const char *file = dwarf_decl_file(die);
	Dwarf_Attribute attr;
	Dwarf_Word index;
	Dwarf_Files *files;
	size_t nfiles;

	if (file || !dwarf_attr_integrate(die, DW_AT_decl_file, &attr) ||
	    dwarf_formudata(&attr, &index) || dwarf_getsrcfiles(cu, &files, &nfiles) ||
	    index >= nfiles)
		return file;
	return dwarf_filesrc(files, index, NULL, NULL);
}

static void decl_of(struct symbolizer *s, struct module *m, uint64_t addr,
		    struct symbol *sym)
{
	Dwarf_Addr bias;
	const char *file = NULL;
	int line = 0;
	Dwarf_Die *cu = module_dwarf(m) ? cu_of(m, addr, &bias) : NULL;
	if (cu) {
		Dwarf_Die *scopes = NULL;
		int n = dwarf_getscopes(cu, addr - bias, &scopes);
		for (int i = 0; i < n; i++) {
			if (dwarf_tag(&scopes[i]) != DW_TAG_subprogram)
				continue;
			file = decl_file(&scopes[i], cu);
			if (dwarf_decl_line(&scopes[i], &line) != 0)
				line = 0;
			break;
		}
		free(scopes);
	}
	if (!file && module_dwarf(m)) {
		Dwfl_Line *l = dwfl_module_getsrc(m->mod, addr);
		if (l)
			file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
	}
	if (file) {
		sym->file = intern_owned(s, source_path(s, cu, file));
		sym->line = sym->file && line > 0 ? (unsigned)line : 0;
	}
}

/* ---- lookups ---- */

static struct symbol *new_symbol(struct symbolizer *s, uint64_t start, uint64_t end,
				 int module, unsigned flags)
{
	struct symbol *sym = arena_alloc(&s->arena, sizeof(*sym));
	if (sym)
		*sym = (struct symbol){ start, end, NULL, NULL, 0, module, flags };
	return sym;
}

static const struct symbol *unknown_symbol(struct symbolizer *s, uint64_t addr, int module)
{
	struct symbol *sym = new_symbol(s, addr, addr + 1, module, SYMBOL_UNKNOWN);
	if (!sym)
		return &s->nomem;
	char *name = NULL;
	const struct module *m = module >= 0 ? &s->modules[module] : NULL;
	const char *slash = m ? strrchr(m->path, '/') : NULL;
	const char *base = slash ? slash + 1 : m ? m->path : "";
	if (*base) {
		if (asprintf(&name, "%s+0x%" PRIx64, base, addr - m->bias) < 0)
			name = NULL;
	} else if (asprintf(&name, "0x%" PRIx64, addr) < 0) {
		name = NULL;
	}
	sym->name = intern_owned(s, name);
	return sym->name ? sym : &s->nomem;
}

static const struct symbol *func_symbol(struct symbolizer *s, int module, struct func *f)
{
	if (f->sym)
		return f->sym;
	struct module *m = &s->modules[module];
	struct symbol *sym = new_symbol(s, f->start + m->bias, f->end + m->bias, module,
					f->plt ? SYMBOL_THUNK : 0);
	if (!sym)
		return &s->nomem;
	sym->name = intern_owned(s, pretty_name(f->raw, f->plt ? "@plt" : ""));
	if (!sym->name)
		return &s->nomem;
	if (is_thunk_name(sym->name))
		sym->flags |= SYMBOL_THUNK;
	if (!f->plt)
		decl_of(s, m, f->start, sym);
	f->sym = sym;
	return sym;
}

static const struct symbol *plt_symbol(struct symbolizer *s, int module, struct plt_range *p)
{
	if (!p->sym) {
		const struct module *m = &s->modules[module];
		struct symbol *sym = new_symbol(s, p->start + m->bias, p->end + m->bias, module,
						SYMBOL_THUNK);
		if (!sym || !(sym->name = intern(s, "[plt]")))
			return &s->nomem;
		p->sym = sym;
	}
	return p->sym;
}

/* A ".cold" part (gcc's -freorder-blocks-and-partition) is the same
 * function moved out of line: its parent is the symbol named without the
 * suffix.  Mapping it there lets a return or a catch in the cold part close
 * the frame its call opened.  NULL when f is not a cold part. */
static struct func *cold_parent(struct module *m, const struct func *f)
{
	const char *cold = strstr(f->raw, ".cold");
	size_t len;

	if (!cold || cold[5 + strspn(cold + 5, ".0123456789")] != '\0')
		return NULL;
	len = cold - f->raw;
	for (size_t i = 0; i < m->nfuncs; i++)
		if (!m->funcs[i].plt && !strncmp(m->funcs[i].raw, f->raw, len) &&
		    m->funcs[i].raw[len] == '\0')
			return &m->funcs[i];
	return NULL;
}

static const struct symbol *module_lookup(struct symbolizer *s, int module, uint64_t addr)
{
	struct module *m = &s->modules[module];
	uint64_t faddr = addr - m->bias;
	if (!m->mod)
		return unknown_symbol(s, addr, module);
	if (!m->funcs_loaded)
		load_funcs(m);
	struct func *f = find_func(m, faddr);
	if (f) {
		struct func *parent = f->plt ? NULL : cold_parent(m, f);
		return func_symbol(s, module, parent ? parent : f);
	}
	for (unsigned i = 0; i < m->nplts; i++)
		if (faddr >= m->plts[i].start && faddr < m->plts[i].end)
			return plt_symbol(s, module, &m->plts[i]);
	return unknown_symbol(s, addr, module);
}

const struct symbol *symbolizer_lookup(struct symbolizer *s, uint64_t addr)
{
	const struct symbol *sym = addr_map_get(&s->cache, addr);
	if (sym)
		return sym;
	int module = module_of(s, addr);
	sym = module >= 0 ? module_lookup(s, module, addr) : unknown_symbol(s, addr, -1);
	if (sym != &s->nomem)
		addr_map_put(&s->cache, addr, sym);
	return sym;
}

/* ---- strings in read-only data ---- */

/* The NUL-terminated string at file address vaddr in the module's file,
 * from the allocated section holding it (sections, not segments: a pack's
 * copy keeps the sections but not the segments' file offsets), or NULL. */
static const char *read_string(struct symbolizer *s, struct module *m, uint64_t vaddr)
{
	GElf_Addr bias;
	Elf *elf = m->mod ? dwfl_module_getelf(m->mod, &bias) : NULL;
	Elf_Scn *scn = NULL;

	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type != SHT_PROGBITS || vaddr < sh.sh_addr ||
		    vaddr - sh.sh_addr >= sh.sh_size)
			continue;
		d = elf_rawdata(scn, NULL);
		uint64_t off = vaddr - sh.sh_addr;
		if (!d || !d->d_buf || off >= d->d_size ||
		    strnlen((const char *)d->d_buf + off, d->d_size - off) == d->d_size - off)
			return NULL;
		return intern(s, (const char *)d->d_buf + off);
	}
	return NULL;
}

const char *symbolizer_string(struct symbolizer *s, uint64_t addr)
{
	const struct symbol *hit = addr_map_get(&s->string_cache, addr);
	int module;
	struct symbol *entry;

	if (hit)
		return hit->name;
	module = module_of(s, addr);
	entry = new_symbol(s, addr, addr + 1, module, 0);
	if (!entry)
		return NULL;
	if (module >= 0)
		entry->name = read_string(s, &s->modules[module], addr - s->modules[module].bias);
	addr_map_put(&s->string_cache, addr, entry);
	return entry->name;
}

/* ---- inlined functions ---- */

/* An inlined function's name as its abstract origin gives it: the
 * linkage (mangled) name when there is one, else the plain name. */
static const char *inlined_name(Dwarf_Die *die, Dwarf_Die *origin)
{
	Dwarf_Attribute attr;
	const char *name;

	if (!dwarf_formref_die(dwarf_attr(die, DW_AT_abstract_origin, &attr), origin))
		return NULL;
	name = dwarf_formstring(dwarf_attr_integrate(origin, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(origin, DW_AT_MIPS_linkage_name, &attr));
	return name ? name : dwarf_diename(origin);
}

/* The symbol of an inlined function: its out-of-line copy's, when the
 * module has one (so it matches the calls a ring recorded of it), else
 * one of its own, keyed in the cache by its DWARF entry (a key no code
 * address has: user space ends below 2^47). */
static const struct symbol *inlined_symbol(struct symbolizer *s, int module, Dwarf_Die *die)
{
	struct module *m = &s->modules[module];
	Dwarf_Die origin;
	const char *name = inlined_name(die, &origin);
	uint64_t key;
	const struct symbol *hit;
	struct symbol *sym;

	if (!name)
		return NULL;
	for (size_t i = 0; i < m->nfuncs; i++)
		if (!m->funcs[i].plt && !strcmp(m->funcs[i].raw, name))
			return func_symbol(s, module, &m->funcs[i]);
	key = UINT64_C(0xffff000000000000) | (uint64_t)module << 40 | dwarf_dieoffset(&origin);
	if ((hit = addr_map_get(&s->cache, key)))
		return hit;
	if (!(sym = new_symbol(s, key, key + 1, module, 0)) ||
	    !(sym->name = intern_owned(s, pretty_name(name, ""))))
		return NULL;
	addr_map_put(&s->cache, key, sym);
	return sym;
}

size_t symbolizer_inlined(struct symbolizer *s, uint64_t addr,
			  const struct symbol **out, size_t max)
{
	int module = module_of(s, addr);
	struct module *m = module >= 0 ? &s->modules[module] : NULL;
	Dwarf_Die *cu, *scopes = NULL;
	Dwarf_Addr bias;
	size_t n = 0;
	int nscopes;

	if (!m || !m->mod || !m->has_dwarf)
		return 0;
	if (!m->funcs_loaded)
		load_funcs(m);
	if (!(cu = cu_of(m, addr - m->bias, &bias)))
		return 0;
	nscopes = dwarf_getscopes(cu, addr - m->bias - bias, &scopes);
	for (int i = 0; i < nscopes && n < max; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram)
			break;
		if (tag == DW_TAG_inlined_subroutine &&
		    (out[n] = inlined_symbol(s, module, &scopes[i])))
			n++;
	}
	free(scopes);
	return n;
}
