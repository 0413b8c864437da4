/* bench/symbols.c - what the symbolizer costs: adding the modules of this
 * process, the first lookup of distinct addresses (function table build,
 * demangling, DWARF declaration walk) and a cached lookup.  Modules are
 * taken from dl_iterate_phdr the way the runtime records them; addresses are
 * spread over each module's executable segments every STRIDE bytes.  Prints
 * figures; no pass/fail. */
#define _GNU_SOURCE
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "symbols.h"

#define STRIDE 16
#define MAX_ADDRS (1 << 20)
#define CACHED_ROUNDS 20

struct bench {
	struct symbolizer *s;
	uint64_t *addrs;
	size_t naddrs;
	int nmodules;
};

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct bench *b = arg;
	char exe[4096];
	const char *path = info->dlpi_name;
	if (!*path) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		path = exe;
	}
	struct ctr_segment segs[16];
	uint32_t nsegs = 0;
	for (int i = 0; i < info->dlpi_phnum && nsegs < 16; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		struct ctr_segment *seg = &segs[nsegs++];
		seg->start = info->dlpi_addr + ph->p_vaddr;
		seg->end = seg->start + ph->p_memsz;
		seg->file_offset = ph->p_offset;
		seg->prot = ph->p_flags;
		for (uint64_t a = seg->start; (ph->p_flags & PF_X) && a < seg->end &&
		     b->naddrs < MAX_ADDRS; a += STRIDE)
			b->addrs[b->naddrs++] = a;
	}
	if (symbolizer_add_module(b->s, path, info->dlpi_addr, segs, nsegs, NULL, 0) >= 0)
		b->nmodules++;
	return 0;
}

int main(void)
{
	struct bench b = { symbolizer_new(), malloc(MAX_ADDRS * sizeof(uint64_t)), 0, 0 };
	if (!b.s || !b.addrs)
		return 1;
	double t0 = now_ns();
	dl_iterate_phdr(add_module, &b);
	double t1 = now_ns();
	printf("add_module: %d modules in %.2f ms (%.0f us each)\n", b.nmodules,
	       (t1 - t0) / 1e6, (t1 - t0) / 1e3 / b.nmodules);

	size_t unknown = 0, with_file = 0;
	const struct symbol *prev = NULL;
	size_t functions = 0;
	t0 = now_ns();
	for (size_t i = 0; i < b.naddrs; i++) {
		const struct symbol *sym = symbolizer_lookup(b.s, b.addrs[i]);
		unknown += (sym->flags & SYMBOL_UNKNOWN) != 0;
		if (sym != prev && !(sym->flags & SYMBOL_UNKNOWN)) {
			functions++;
			with_file += sym->file != NULL;
		}
		prev = sym;
	}
	t1 = now_ns();
	printf("first lookup: %zu addresses (every %d bytes of code) in %.1f ms: %.0f ns each;"
	       " %zu functions (%zu with file:line), %zu unknown addresses\n",
	       b.naddrs, STRIDE, (t1 - t0) / 1e6, (t1 - t0) / b.naddrs, functions, with_file,
	       unknown);

	/* Cached: the same addresses again, in a shuffled order so the
	 * probes are not sequential in the table. */
	srand(1);
	for (size_t i = b.naddrs - 1; i > 0; i--) {
		size_t j = (size_t)rand() % (i + 1);
		uint64_t t = b.addrs[i];
		b.addrs[i] = b.addrs[j];
		b.addrs[j] = t;
	}
	uintptr_t sink = 0;
	t0 = now_ns();
	for (int r = 0; r < CACHED_ROUNDS; r++)
		for (size_t i = 0; i < b.naddrs; i++)
			sink += (uintptr_t)symbolizer_lookup(b.s, b.addrs[i]);
	t1 = now_ns();
	printf("cached lookup: %.1f ns each over %zu distinct addresses (sink %lx)\n",
	       (t1 - t0) / ((double)CACHED_ROUNDS * b.naddrs), b.naddrs,
	       (unsigned long)(sink & 0xf));

	/* A hot loop over a few addresses, as when one function dominates. */
	t0 = now_ns();
	for (int r = 0; r < 10000000; r++)
		sink += (uintptr_t)symbolizer_lookup(b.s, b.addrs[r & 63]);
	t1 = now_ns();
	printf("cached lookup, 64 hot addresses: %.1f ns each\n", (t1 - t0) / 1e7);
	const char *notes = symbolizer_notes(b.s);
	printf("notes:\n%s", notes ? notes : "(none)\n");
	symbolizer_free(b.s);
	free(b.addrs);
	return (int)(sink & 0);
}
