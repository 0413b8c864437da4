/* modules.c - the map of loaded objects (executable and shared libraries)
 * that the decoder needs to turn code addresses into symbols.
 *
 * `mods` is an array of every object seen by dl_iterate_phdr since start.
 * It is refreshed when the library starts, before each dlclose (so a
 * library unloaded before a snapshot is still described) and at each
 * snapshot.  Objects that went away are kept and flagged unloaded until a
 * new object is mapped over them.  Paths are recorded absolute: an object
 * dlopen'ed by a relative path ("./libplugin.so"), which the loader names
 * so, is looked up in /proc/self/maps by the address of its first
 * segment, so the decoder finds it from any directory.  dlopen itself is not interposed: glibc
 * decides which RUNPATH to search from dlopen's caller, and a wrapper would
 * become that caller. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime.h"
#include "state.h"

static pthread_mutex_t mods_lock = PTHREAD_MUTEX_INITIALIZER;
static struct module_record *mods;
static uint32_t nmods, mods_cap;

/* "fentry" -> CTR_MODE_FENTRY, from the note ctrail-cc links in. */
static uint32_t mode_of(const char *name, size_t size)
{
	static const char *const names[] = CTR_MODE_NAMES;

	for (uint32_t i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (strnlen(name, size) == strlen(names[i]) && !strncmp(name, names[i], size))
			return i;
	return CTR_MODE_UNKNOWN;
}

/* The GNU build id and ctrail's mode note (runtime/mode_note.S), from
 * the object's PT_NOTE segments. */
static void notes_read(struct module_record *m, struct dl_phdr_info *info)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof(*n);
			const char *desc = name + ((n->n_namesz + 3) & ~3u);

			if (desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && n->n_descsz <= sizeof(m->build_id) &&
			    !m->hdr.build_id_size) {
				memcpy(m->build_id, desc, n->n_descsz);
				m->hdr.build_id_size = n->n_descsz;
			}
			if (n->n_type == 1 && n->n_namesz == 7 && !memcmp(name, "ctrail", 7) &&
			    !(m->hdr.flags & CTR_MODULE_MODE_MASK))
				m->hdr.flags |= mode_of(desc, n->n_descsz) << CTR_MODULE_MODE_SHIFT;
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
}

static int segments_read(struct module_record *m, struct dl_phdr_info *info)
{
	m->segs = calloc(info->dlpi_phnum, sizeof(*m->segs));
	if (!m->segs)
		return -1;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		struct ctr_segment *s = &m->segs[m->hdr.nsegments];

		if (ph->p_type != PT_LOAD)
			continue;
		s->start = info->dlpi_addr + ph->p_vaddr;
		s->end = s->start + ph->p_memsz;
		s->file_offset = ph->p_offset;
		s->prot = ph->p_flags;
		m->hdr.nsegments++;
	}
	return 0;
}

/* The file mapped at addr, from /proc/self/maps, or NULL. */
static char *mapped_file(uintptr_t addr)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[4096 + 128], *path = NULL, *slash;
	unsigned long lo, hi;

	while (f && !path && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= addr && addr < hi &&
		    (slash = strchr(line, '/'))) {
			slash[strcspn(slash, "\n")] = 0;
			path = strdup(slash);
		}
	if (f)
		fclose(f);
	return path;
}

static char *path_of(const char *name, int first, const struct module_record *m)
{
	char buf[4096], *abs;
	ssize_t n;

	if (*name && *name != '/' && m->hdr.nsegments &&
	    (abs = mapped_file(m->segs[0].start)))
		return abs;
	if (*name || !first)
		return strdup(*name ? name : "[unnamed]");
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return strdup("[executable]");
	buf[n] = 0;
	return strdup(buf);
}

static int overlaps(const struct module_record *a, const struct module_record *b)
{
	for (uint32_t i = 0; i < a->hdr.nsegments; i++)
		for (uint32_t j = 0; j < b->hdr.nsegments; j++)
			if (a->segs[i].start < b->segs[j].end &&
			    b->segs[j].start < a->segs[i].end)
				return 1;
	return 0;
}

static void record_free(struct module_record *m)
{
	free(m->segs);
	free(m->path);
	free(m->loader_name);
}

static int overlaps_loaded(const struct module_record *m)
{
	for (uint32_t i = 0; i < nmods; i++)
		if (!(mods[i].hdr.flags & CTR_MODULE_UNLOADED) && overlaps(&mods[i], m))
			return 1;
	return 0;
}

/* Flags the objects this walk did not see as unloaded, and drops unloaded
 * ones that a loaded object now covers. */
static void forget_unloaded(uint32_t gen)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < nmods; i++)
		if (mods[i].seen != gen)
			mods[i].hdr.flags |= CTR_MODULE_UNLOADED;
	for (uint32_t i = 0; i < nmods; i++) {
		if ((mods[i].hdr.flags & CTR_MODULE_UNLOADED) && overlaps_loaded(&mods[i]))
			record_free(&mods[i]);
		else
			mods[kept++] = mods[i];
	}
	nmods = kept;
}

struct refresh {
	uint32_t gen;
	int first;
};

static int module_seen(struct dl_phdr_info *info, size_t size, void *data)
{
	struct refresh *r = data;
	int first = r->first;
	struct module_record m = { .seen = r->gen };

	r->first = 0;
	for (uint32_t i = 0; i < nmods; i++)
		if (mods[i].hdr.bias == info->dlpi_addr &&
		    !(mods[i].hdr.flags & CTR_MODULE_UNLOADED) &&
		    (first ? (mods[i].hdr.flags & CTR_MODULE_MAIN)
			   : !strcmp(mods[i].loader_name ? mods[i].loader_name : mods[i].path,
				     info->dlpi_name))) {
			mods[i].seen = r->gen;
			return 0;
		}
	if (nmods == mods_cap) {
		uint32_t cap = mods_cap ? 2 * mods_cap : 32;
		void *p = realloc(mods, cap * sizeof(*mods));
		if (!p)
			return 1;
		mods = p;
		mods_cap = cap;
	}
	m.hdr.bias = info->dlpi_addr;
	m.hdr.flags = (first ? CTR_MODULE_MAIN : 0) | (r->gen > 1 ? CTR_MODULE_DLOPEN : 0);
	if (segments_read(&m, info) || !(m.path = path_of(info->dlpi_name, first, &m)) ||
	    (strcmp(m.path, info->dlpi_name) && *info->dlpi_name &&
	     !(m.loader_name = strdup(info->dlpi_name)))) {
		record_free(&m);
		return 1;
	}
	m.hdr.path_size = strlen(m.path);
	notes_read(&m, info);
	mods[nmods++] = m;
	return 0;
}

void modules_refresh(void)
{
	static uint32_t gen;
	struct refresh r = { .first = 1 };

	pthread_mutex_lock(&mods_lock);
	r.gen = ++gen;
	dl_iterate_phdr(module_seen, &r);
	forget_unloaded(r.gen);
	ctrail_state.mods = mods; /* for core readers (state.h) */
	ctrail_state.nmods = nmods;
	pthread_mutex_unlock(&mods_lock);
}

int modules_copy(struct module_record **out, uint32_t *n)
{
	struct module_record *c;
	uint32_t i;

	pthread_mutex_lock(&mods_lock);
	c = calloc(nmods ? nmods : 1, sizeof(*c));
	for (i = 0; c && i < nmods; i++) {
		c[i] = mods[i];
		c[i].path = strdup(mods[i].path);
		c[i].loader_name = NULL;
		c[i].segs = malloc(mods[i].hdr.nsegments * sizeof(*c->segs) + 1);
		if (!c[i].path || !c[i].segs) {
			modules_free(c, i + 1);
			c = NULL;
			break;
		}
		memcpy(c[i].segs, mods[i].segs, mods[i].hdr.nsegments * sizeof(*c->segs));
	}
	*n = nmods;
	pthread_mutex_unlock(&mods_lock);
	*out = c;
	return c ? 0 : -1;
}

void modules_free(struct module_record *m, uint32_t n)
{
	for (uint32_t i = 0; m && i < n; i++)
		record_free(&m[i]);
	free(m);
}

int dlclose(void *handle)
{
	static int (*real_dlclose)(void *);

	if (!real_dlclose)
		real_dlclose = dlsym(RTLD_NEXT, "dlclose");
	modules_refresh();
	return real_dlclose(handle);
}
