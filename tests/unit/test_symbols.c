/* test_symbols.c - tests decoder/symbols.c on real binaries: this program
 * itself (PIE, found with dl_iterate_phdr like the runtime does) and a C++
 * library built at test time from tests/progs/sym_lib.cpp, dlopen'ed, with
 * copies of it moved, stripped of debug info and deleted.  Prints one
 * "PASS name" or "FAIL name: why" line per check. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbols.h"

static int failures;

static void check(const char *name, bool ok, const char *fmt, ...)
{
	if (ok) {
		printf("PASS %s\n", name);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL %s: ", name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures++;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = s ? strlen(s) : 0, t = strlen(tail);
	return s && n >= t && strcmp(s + n - t, tail) == 0;
}

static const char *str(const char *s)
{
	return s ? s : "(null)";
}

/* ---- modules as the runtime records them ---- */

#define MAX_SEGS 16

struct loaded {
	const char *want;   /* dlpi_name to match; "" for the executable */
	uint64_t bias;
	struct ctr_segment segs[MAX_SEGS];
	uint32_t nsegs;
	uint8_t build_id[64];
	uint32_t build_id_size;
	bool found;
};

static void read_build_id(struct loaded *l, const struct dl_phdr_info *info,
			  const ElfW(Phdr) *ph)
{
	const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
	while (p + sizeof(ElfW(Nhdr)) <= end) {
		const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
		const char *name = p + sizeof(*n);
		const char *desc = name + ((n->n_namesz + 3) & ~3u);
		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
		    n->n_descsz <= sizeof(l->build_id)) {
			memcpy(l->build_id, desc, n->n_descsz);
			l->build_id_size = n->n_descsz;
		}
		p = desc + ((n->n_descsz + 3) & ~3u);
	}
}

static int find_loaded(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct loaded *l = arg;
	if (l->found || strcmp(info->dlpi_name, l->want) != 0)
		return 0;
	l->found = true;
	l->bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_NOTE)
			read_build_id(l, info, ph);
		if (ph->p_type != PT_LOAD || l->nsegs == MAX_SEGS)
			continue;
		struct ctr_segment *seg = &l->segs[l->nsegs++];
		seg->start = info->dlpi_addr + ph->p_vaddr;
		seg->end = seg->start + ph->p_memsz;
		seg->file_offset = ph->p_offset;
		seg->prot = ph->p_flags;
	}
	return 1;
}

static bool load_info(struct loaded *l, const char *want)
{
	memset(l, 0, sizeof(*l));
	l->want = want;
	dl_iterate_phdr(find_loaded, l);
	return l->found;
}

static int add(struct symbolizer *s, const struct loaded *l, const char *path)
{
	return symbolizer_add_module(s, path, l->bias, l->segs, l->nsegs, l->build_id,
				     l->build_id_size);
}

/* ---- this program's own functions ---- */

static const int target_line = __LINE__ + 1;
__attribute__((noinline)) int test_target(int x)
{
	volatile int acc = x;
	for (int i = 0; i < x; i++)
		acc += i * acc;
	return acc;
}

static int (*volatile target_ptr)(int) = test_target;

int main(void);

static void test_self(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct loaded l;
	if (n < 0 || !load_info(&l, "")) {
		check("self_module", false, "cannot find the executable");
		return;
	}
	exe[n] = '\0';
	struct symbolizer *s = symbolizer_new();
	int idx = add(s, &l, exe);
	check("self_module", idx == 0 && l.build_id_size > 0, "index %d, build id %u bytes",
	      idx, l.build_id_size);

	uint64_t addr = (uintptr_t)target_ptr;
	const struct symbol *sym = symbolizer_lookup(s, addr);
	check("self_name", strcmp(sym->name, "test_target") == 0, "name %s", sym->name);
	check("self_file", ends_with(sym->file, "/tests/unit/test_symbols.c") && sym->file[0] == '/',
	      "file %s, want an absolute path", str(sym->file));
	check("self_file_interned", sym->file == symbolizer_lookup(s, (uintptr_t)&main)->file,
	      "file %s stored twice",
	      str(sym->file));
	check("self_line", sym->line == (unsigned)target_line, "line %u, want %d", sym->line,
	      target_line);
	check("self_range", sym->start == addr && sym->end > addr + 4 && sym->module == 0 &&
	      sym->flags == 0, "start %#lx end %#lx for %#lx, module %d, flags %u",
	      (unsigned long)sym->start, (unsigned long)sym->end, (unsigned long)addr,
	      sym->module, sym->flags);
	bool same = true;
	for (uint64_t a = addr + 1; a < sym->end; a++)
		same = same && symbolizer_lookup(s, a) == sym;
	check("self_inside_same_symbol", same, "an address inside gave another symbol");
	check("self_cache_same_pointer", symbolizer_lookup(s, addr) == sym, "new pointer");

	const struct symbol *main_sym = symbolizer_lookup(s, (uintptr_t)&main);
	check("self_main", strcmp(main_sym->name, "main") == 0 && main_sym != sym,
	      "name %s", main_sym->name);

	const struct symbol *out = symbolizer_lookup(s, 0x10);
	check("outside_every_module", strcmp(out->name, "0x10") == 0 && out->module == -1 &&
	      out->flags == SYMBOL_UNKNOWN && out->start == 0x10 && out->end == 0x11,
	      "name %s module %d flags %u", out->name, out->module, out->flags);
	check("self_no_notes", symbolizer_notes(s) == NULL, "notes: %s",
	      str(symbolizer_notes(s)));
	symbolizer_free(s);
}

/* ---- the C++ library ---- */

static char dir[] = "/tmp/ctrail-test-symbols-XXXXXX";
static char lib[PATH_MAX], src_dir[PATH_MAX];

static int run(const char *fmt, ...)
{
	char cmd[3 * PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Builds and loads the library; fills l with its modules' run-time shape. */
static void *build_lib(struct loaded *l)
{
	const char *root = getenv("CTRAIL_ROOT");
	char src[PATH_MAX];
	snprintf(src, sizeof(src), "%s/tests/progs", root ? root : ".");
	if (!realpath(src, src_dir) || !mkdtemp(dir))
		return NULL;
	snprintf(lib, sizeof(lib), "%s/libsym.so", dir);
	if (run("g++ -O2 -g -fPIC -shared -o %s %s/sym_lib.cpp", lib, src_dir) != 0)
		return NULL;
	void *h = dlopen(lib, RTLD_NOW);
	if (!h || !load_info(l, lib))
		return NULL;
	return h;
}

static uint64_t sym_addr(void *h, const char *name)
{
	return (uintptr_t)dlsym(h, name);
}

/* The run-time address of a symbol dlsym cannot see (a local one), from nm. */
static uint64_t nm_addr(const struct loaded *l, const char *name)
{
	char cmd[2 * PATH_MAX], line[512], want[256];
	snprintf(cmd, sizeof(cmd), "nm %s", lib);
	snprintf(want, sizeof(want), " %s\n", name);
	FILE *p = popen(cmd, "r");
	uint64_t addr = 0;
	while (p && fgets(line, sizeof(line), p))
		if (ends_with(line, want) && strlen(line) > 19)
			addr = strtoull(line, NULL, 16) + l->bias;
	if (p)
		pclose(p);
	return addr;
}

static void expect_name(struct symbolizer *s, const char *test, uint64_t addr,
			const char *name, unsigned flags)
{
	const struct symbol *sym = symbolizer_lookup(s, addr);
	check(test, addr && strcmp(sym->name, name) == 0 && sym->flags == flags,
	      "at %#lx: \"%s\" flags %u, want \"%s\" flags %u", (unsigned long)addr, sym->name,
	      sym->flags, name, flags);
}

static void expect_decl(struct symbolizer *s, const char *test, uint64_t addr,
			void *h, const char *line_var)
{
	const struct symbol *sym = symbolizer_lookup(s, addr);
	const int *line = dlsym(h, line_var);
	check(test, line && ends_with(sym->file, "/sym_lib.cpp") && sym->line == (unsigned)*line,
	      "%s:%u, want sym_lib.cpp:%d", str(sym->file), sym->line, line ? *line : -1);
}

/* The first "NAME@plt" slot objdump shows in the library whose NAME is
 * not mangled, and its run-time address. */
static uint64_t plt_slot(const struct loaded *l, char *name, size_t size)
{
	char cmd[2 * PATH_MAX], line[512];
	snprintf(cmd, sizeof(cmd), "objdump -d -j .plt -j .plt.sec %s", lib);
	FILE *p = popen(cmd, "r");
	uint64_t addr = 0;
	char got[256];
	unsigned long vaddr;
	while (p && !addr && fgets(line, sizeof(line), p))
		if (sscanf(line, "%lx <%255[^>]>:", &vaddr, got) == 2 && ends_with(got, "@plt") &&
		    strncmp(got, "_Z", 2) != 0) {
			snprintf(name, size, "%s", got);
			addr = vaddr + l->bias;
		}
	if (p)
		pclose(p);
	return addr;
}

static void test_lib_names(void *h, const struct loaded *l)
{
	struct symbolizer *s = symbolizer_new();
	check("lib_module", add(s, l, lib) == 0, "add failed");
	expect_name(s, "lib_namespaced", sym_addr(h, "_ZN2ns4funcEi"), "ns::func(int)", 0);
	expect_name(s, "lib_template", sym_addr(h, "_Z5twiceIiET_S0_"), "int twice<int>(int)", 0);
	expect_name(s, "lib_method", sym_addr(h, "_ZN6Widget6methodEi"), "Widget::method(int)", 0);
	expect_name(s, "lib_non_virtual_thunk", sym_addr(h, "_ZThn8_N4Both1gEv"),
		    "non-virtual thunk to Both::g()", SYMBOL_THUNK);
	expect_name(s, "lib_virtual_thunk", sym_addr(h, "_ZTv0_n32_N7Diamond1fEv"),
		    "virtual thunk to Diamond::f()", SYMBOL_THUNK);
	expect_name(s, "lib_throwing", sym_addr(h, "_Z7throweri"), "thrower(int)", 0);
	/* a .cold part belongs to its parent: same symbol, same start */
	check("lib_cpp_cold_part", symbolizer_lookup(s, nm_addr(l, "_Z7throweri.cold")) ==
	      symbolizer_lookup(s, sym_addr(h, "_Z7throweri")), "not the parent's symbol");
	expect_name(s, "lib_c_cold_part", nm_addr(l, "c_cold.cold"), "c_cold", 0);
	expect_name(s, "lib_constprop_clone", nm_addr(l, "_ZL6scaledii.constprop.0"),
		    "scaled(int, int) [clone .constprop.0]", 0);
	expect_name(s, "lib_alias_global_first", sym_addr(h, "c_plain_weak"), "c_plain", 0);
	expect_name(s, "lib_alias_local_over_weak", sym_addr(h, "a_weak"), "c_local", 0);
	expect_decl(s, "lib_decl_namespaced", sym_addr(h, "_ZN2ns4funcEi"), h, "_ZN2ns9func_lineE");
	expect_decl(s, "lib_decl_method", sym_addr(h, "_ZN6Widget6methodEi"), h, "method_line");
	expect_decl(s, "lib_decl_cold_clone", nm_addr(l, "_Z7throweri.cold"), h, "thrower_line");

	char plt_name[256] = "";
	uint64_t plt = plt_slot(l, plt_name, sizeof(plt_name));
	expect_name(s, "lib_plt", plt, plt_name, SYMBOL_THUNK);
	check("lib_plt_range", plt && symbolizer_lookup(s, plt + 15) == symbolizer_lookup(s, plt) &&
	      symbolizer_lookup(s, plt + 16) != symbolizer_lookup(s, plt), "slot is not 16 bytes");

	uint64_t in_data = sym_addr(h, "method_line");
	const struct symbol *d = symbolizer_lookup(s, in_data);
	char raw[64];
	snprintf(raw, sizeof(raw), "libsym.so+0x%lx", (unsigned long)(in_data - l->bias));
	check("lib_no_function_raw", strcmp(d->name, raw) == 0 && d->flags == SYMBOL_UNKNOWN &&
	      d->module == 0, "\"%s\", want \"%s\"", d->name, raw);
	check("lib_no_notes", symbolizer_notes(s) == NULL, "notes: %s", str(symbolizer_notes(s)));
	symbolizer_free(s);
}

/* A copy of the library under `moved/`, recorded under `gone/`. */
static void test_remap(void *h, const struct loaded *l)
{
	char gone[PATH_MAX], moved[PATH_MAX], want_note[2 * PATH_MAX], remapped_src[PATH_MAX];
	snprintf(gone, sizeof(gone), "%s/gone/libsym.so", dir);
	snprintf(moved, sizeof(moved), "%s/moved", dir);
	run("mkdir -p %s && cp %s %s/", moved, lib, moved);
	uint64_t func = sym_addr(h, "_ZN2ns4funcEi");

	struct symbolizer *s = symbolizer_new();
	add(s, l, gone);
	const struct symbol *sym = symbolizer_lookup(s, func);
	char raw[64];
	snprintf(raw, sizeof(raw), "libsym.so+0x%lx", (unsigned long)(func - l->bias));
	check("missing_file_raw", strcmp(sym->name, raw) == 0 && sym->flags == SYMBOL_UNKNOWN &&
	      sym->module == 0 && sym->start == func && sym->end == func + 1 && !sym->file,
	      "\"%s\" flags %u, want \"%s\"", sym->name, sym->flags, raw);
	snprintf(want_note, sizeof(want_note), "%s: no such file; addresses shown raw\n", gone);
	check("missing_file_note", symbolizer_notes(s) && strcmp(symbolizer_notes(s), want_note) == 0,
	      "notes \"%s\"", str(symbolizer_notes(s)));
	symbolizer_free(s);

	char gone_dir[PATH_MAX];
	snprintf(gone_dir, sizeof(gone_dir), "%s/gone", dir);
	s = symbolizer_new();
	symbolizer_add_remap(s, dir, "/nowhere");
	symbolizer_add_remap(s, gone_dir, moved); /* longer: wins */
	symbolizer_add_remap(s, src_dir, "/src/progs");
	add(s, l, gone);
	sym = symbolizer_lookup(s, func);
	snprintf(remapped_src, sizeof(remapped_src), "/src/progs/sym_lib.cpp");
	check("remap_binary", strcmp(sym->name, "ns::func(int)") == 0 && sym->flags == 0,
	      "\"%s\"", sym->name);
	check("remap_source", sym->file && strcmp(sym->file, remapped_src) == 0, "file %s",
	      str(sym->file));
	check("remap_no_note", symbolizer_notes(s) == NULL, "notes \"%s\"",
	      str(symbolizer_notes(s)));
	symbolizer_free(s);
}

/* Copies of the library without debug info, and a wrong build id. */
static void test_degraded(void *h, const struct loaded *l)
{
	char nodebug[PATH_MAX], want[2 * PATH_MAX];
	snprintf(nodebug, sizeof(nodebug), "%s/nodebug/libsym.so", dir);
	run("mkdir -p %s/nodebug && objcopy --strip-debug %s %s", dir, lib, nodebug);
	uint64_t func = sym_addr(h, "_ZN2ns4funcEi");

	struct symbolizer *s = symbolizer_new();
	/* The recorded build id is the original's; strip-debug keeps it. */
	add(s, l, nodebug);
	const struct symbol *sym = symbolizer_lookup(s, func);
	check("nodebug_name", strcmp(sym->name, "ns::func(int)") == 0 && !sym->file &&
	      sym->line == 0, "\"%s\" %s:%u", sym->name, str(sym->file), sym->line);
	snprintf(want, sizeof(want), "%s: no debug info; no file:line\n", nodebug);
	check("nodebug_note", symbolizer_notes(s) && strcmp(symbolizer_notes(s), want) == 0,
	      "notes \"%s\"", str(symbolizer_notes(s)));
	symbolizer_free(s);

	struct loaded other = *l;
	other.build_id[0] ^= 0xff;
	s = symbolizer_new();
	add(s, &other, lib);
	sym = symbolizer_lookup(s, func);
	check("build_id_mismatch_still_named", strcmp(sym->name, "ns::func(int)") == 0,
	      "\"%s\"", sym->name);
	snprintf(want, sizeof(want),
		 "%s: build id differs from the traced binary; names may be wrong\n", lib);
	check("build_id_mismatch_note", symbolizer_notes(s) && strcmp(symbolizer_notes(s), want) == 0,
	      "notes \"%s\"", str(symbolizer_notes(s)));

	struct ctr_segment vdso = { 0x7fff00000000, 0x7fff00002000, 0, 5, 0 };
	int idx = symbolizer_add_module(s, "linux-vdso.so.1", 0x7fff00000000, &vdso, 1, NULL, 0);
	sym = symbolizer_lookup(s, 0x7fff00000123);
	check("vdso_quiet", idx == 1 && strcmp(sym->name, "linux-vdso.so.1+0x123") == 0 &&
	      strcmp(symbolizer_notes(s), want) == 0, "index %d \"%s\" notes \"%s\"", idx,
	      sym->name, symbolizer_notes(s));
	symbolizer_free(s);
}

int main(void)
{
	test_self();
	struct loaded l;
	void *h = build_lib(&l);
	check("lib_build", h != NULL, "cannot build or load %s: %s", lib, dlerror());
	if (h) {
		test_lib_names(h, &l);
		test_remap(h, &l);
		test_degraded(h, &l);
		dlclose(h);
	}
	if (dir[sizeof(dir) - 2] != 'X')
		run("rm -rf %s", dir);
	return failures ? 1 : 0;
}
