/* uprobes.c - see uprobes.h.  Resolution walks the SPEC item by item: the
 * module is found in /proc/PID/maps (or taken as a path), its symbol table
 * read once through libelf, and every FUNC of the item matched against it;
 * the result is a flat array of (path, name, file offset), one per
 * function, deduplicated by (path, offset) so aliases (malloc and
 * __libc_malloc) are probed once.  Definition appends one line per probe
 * to uprobe_events (never truncating it: that would remove every probe on
 * the system) and prepares the text that removes them, so removal needs
 * nothing but open/write/close. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ctr.h"
#include "uprobes.h"

/* The libelf calls we use, from dlopen("libelf.so.1"). */
static struct {
	unsigned (*version)(unsigned);
	Elf *(*begin)(int, Elf_Cmd, Elf *);
	int (*end)(Elf *);
	Elf_Scn *(*nextscn)(Elf *, Elf_Scn *);
	GElf_Shdr *(*getshdr)(Elf_Scn *, GElf_Shdr *);
	Elf_Data *(*getdata)(Elf_Scn *, Elf_Data *);
	GElf_Sym *(*getsym)(Elf_Data *, int, GElf_Sym *);
	char *(*strptr)(Elf *, size_t, size_t);
	int (*getphdrnum)(Elf *, size_t *);
	GElf_Phdr *(*getphdr)(Elf *, int, GElf_Phdr *);
} elf;

static int fail(struct uprobe_set *s, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return rc;
}

static int elf_load(struct uprobe_set *s)
{
	void *h;

	if (elf.version)
		return 0;
	if (!(h = dlopen("libelf.so.1", RTLD_NOW | RTLD_LOCAL)))
		return fail(s, -ENOENT, "probes need libelf.so.1 (elfutils): %s", dlerror());
	*(void **)&elf.begin = dlsym(h, "elf_begin");
	*(void **)&elf.end = dlsym(h, "elf_end");
	*(void **)&elf.nextscn = dlsym(h, "elf_nextscn");
	*(void **)&elf.getshdr = dlsym(h, "gelf_getshdr");
	*(void **)&elf.getdata = dlsym(h, "elf_getdata");
	*(void **)&elf.getsym = dlsym(h, "gelf_getsym");
	*(void **)&elf.strptr = dlsym(h, "elf_strptr");
	*(void **)&elf.getphdrnum = dlsym(h, "elf_getphdrnum");
	*(void **)&elf.getphdr = dlsym(h, "gelf_getphdr");
	if (!elf.begin || !elf.end || !elf.nextscn || !elf.getshdr || !elf.getdata ||
	    !elf.getsym || !elf.strptr || !elf.getphdrnum || !elf.getphdr)
		return fail(s, -ENOENT, "libelf.so.1 lacks a function probes need");
	*(void **)&elf.version = dlsym(h, "elf_version");
	if (!elf.version || elf.version(EV_CURRENT) == EV_NONE)
		return fail(s, -ENOENT, "libelf.so.1 does not work");
	return 0;
}

/* Is `name` the module `want` names: the same file name, or its start up
 * to a '.' or '-' ("libc" for "libc.so.6")? */
static int module_matches(const char *path, const char *want)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(want);

	base = base ? base + 1 : path;
	return !strncmp(base, want, n) && (!base[n] || base[n] == '.' || base[n] == '-');
}

/* The file process pid maps that MODULE names; absolute paths are taken
 * as they are, an empty MODULE is the executable. */
static int module_find(struct uprobe_set *s, pid_t pid, const char *want,
		       char *path, size_t size)
{
	char maps[64], line[4352], file[4096];
	FILE *f;

	if (want[0] == '/') {
		if (access(want, R_OK))
			return fail(s, -errno, "%s: %s", want, strerror(errno));
		snprintf(path, size, "%s", want);
		return 0;
	}
	if (!*want) {
		snprintf(maps, sizeof(maps), "/proc/%d/exe", (int)pid);
		ssize_t n = readlink(maps, path, size - 1);
		if (n < 0)
			return fail(s, -errno, "%s: %s", maps, strerror(errno));
		path[n] = 0;
		return 0;
	}
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	if (!(f = fopen(maps, "re")))
		return fail(s, -errno, "%s: %s", maps, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %*s %4095s", file) == 1 &&
		    file[0] == '/' && module_matches(file, want)) {
			fclose(f);
			snprintf(path, size, "%s", file);
			return 0;
		}
	fclose(f);
	return fail(s, -ENOENT, "process %d maps no file named %s", (int)pid, want);
}

/* The file offset of virtual address v, from the PT_LOAD holding it. */
static int file_offset(Elf *e, uint64_t v, uint64_t *off)
{
	size_t n;

	if (elf.getphdrnum(e, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (elf.getphdr(e, i, &ph) && ph.p_type == PT_LOAD && v >= ph.p_vaddr &&
		    v < ph.p_vaddr + ph.p_filesz) {
			*off = v - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -1;
}

static int probe_add(struct uprobe_set *s, const char *path, const char *name,
		     uint64_t offset)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->probes[i].offset == offset && !strcmp(s->probes[i].path, path))
			return 0; /* an alias of one we have */
	if (s->n == UPROBES_MAX)
		return fail(s, -E2BIG, "more than %d functions to probe", UPROBES_MAX);
	if (strlen(path) >= sizeof(s->probes[0].path))
		return fail(s, -ENAMETOOLONG, "%s: path too long to probe", path);
	if (!s->probes && !(s->probes = calloc(UPROBES_MAX, sizeof(*s->probes))))
		return fail(s, -ENOMEM, "out of memory");
	memcpy(s->probes[s->n].path, path, strlen(path) + 1);
	snprintf(s->probes[s->n].name, sizeof(s->probes[s->n].name), "%s", name);
	s->probes[s->n++].offset = offset;
	return 0;
}

/* Matches one FUNC against a symbol table section; returns how many
 * functions matched (probes added), or a negative errno. */
static int table_match(struct uprobe_set *s, Elf *e, Elf_Scn *scn, const char *path,
		       const char *func, int glob)
{
	GElf_Shdr sh;
	Elf_Data *d;
	int matched = 0;

	if (!elf.getshdr(scn, &sh) || !(d = elf.getdata(scn, NULL)) || !sh.sh_entsize)
		return 0;
	for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym sym;
		const char *name;
		uint64_t off;
		int rc;

		if (!elf.getsym(d, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value ||
		    !(name = elf.strptr(e, sh.sh_link, sym.st_name)))
			continue;
		if (glob ? fnmatch(func, name, 0) : strcmp(func, name))
			continue;
		if (file_offset(e, sym.st_value, &off))
			continue;
		if (glob && matched == UPROBES_GLOB_MAX)
			return fail(s, -E2BIG, "%s matches more than %d functions in %s: "
				    "name fewer", func, UPROBES_GLOB_MAX, path);
		if ((rc = probe_add(s, path, name, off)))
			return rc;
		matched++;
		if (!glob)
			break;
	}
	return matched;
}

/* The .symtab section, or else .dynsym; *stripped when there is no .symtab. */
static Elf_Scn *table_find(Elf *e, int *stripped)
{
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr sh;

	while ((scn = elf.nextscn(e, scn)))
		if (elf.getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			return *stripped = 0, scn;
		else if (elf.getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM)
			dyn = scn;
	*stripped = 1;
	return dyn;
}

/* One item's functions, comma separated in funcs (modified). */
static int item_resolve(struct uprobe_set *s, const char *path, char *funcs)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0, stripped;
	Elf *e;
	Elf_Scn *table;
	char *save = NULL;

	if (fd < 0)
		return fail(s, -errno, "%s: %s", path, strerror(errno));
	if (!(e = elf.begin(fd, ELF_C_READ, NULL))) {
		close(fd);
		return fail(s, -EINVAL, "%s: not an ELF file", path);
	}
	table = table_find(e, &stripped);
	for (char *f = strtok_r(funcs, ",", &save); f && !rc; f = strtok_r(NULL, ",", &save)) {
		int glob = strpbrk(f, "*?[") != NULL;
		int n = table ? table_match(s, e, table, path, f, glob) : 0;

		if (n < 0)
			rc = n;
		else if (n == 0 && stripped)
			rc = fail(s, -ENOENT, "%s has no symbol table (stripped) and does not "
				  "export %s", path, f);
		else if (n == 0)
			rc = fail(s, -ENOENT, "no function %s in %s", f, path);
	}
	elf.end(e);
	close(fd);
	return rc;
}

int uprobes_resolve(struct uprobe_set *s, const char *spec, pid_t pid)
{
	char *copy = strdup(spec), *save = NULL;
	int rc;

	s->err[0] = 0;
	if (!copy)
		return fail(s, -ENOMEM, "out of memory");
	rc = elf_load(s);
	for (char *item = strtok_r(copy, ";", &save); item && !rc;
	     item = strtok_r(NULL, ";", &save)) {
		char *colon = strrchr(item, ':'), path[4096];
		const char *module = colon ? item : "";
		char *funcs = colon ? colon + 1 : item;

		if (colon)
			*colon = 0;
		if (!*funcs)
			rc = fail(s, -EINVAL, "probe spec \"%s\": no function after the module", item);
		else if (!(rc = module_find(s, pid, module, path, sizeof(path))))
			rc = item_resolve(s, path, funcs);
	}
	free(copy);
	if (!rc && !s->n)
		rc = fail(s, -EINVAL, "probe spec \"%s\" names no function", spec);
	return rc;
}

int tracefs_write(const char *path, const char *text, int append)
{
	int fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC) | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int uprobes_define(struct uprobe_set *s, const char *root, pid_t owner)
{
	size_t room = s->n * 2 * 48 + 1, used = 0;

	snprintf(s->group, sizeof(s->group), "ctrail_%d", (int)owner);
	snprintf(s->events_path, sizeof(s->events_path), "%s/uprobe_events", root);
	if (!(s->remove_text = malloc(room)))
		return fail(s, -ENOMEM, "out of memory");
	s->remove_text[0] = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct uprobe *p = &s->probes[i];
		char line[512];
		int rc;

		for (int ret = 0; ret < 2; ret++) {
			if (strchr(p->path, ' '))
				return fail(s, -EINVAL, "%s: uprobes cannot name a path with a space",
					    p->path);
			snprintf(line, sizeof(line), "%c:%s/%c%zu %s:0x%llx\n", ret ? 'r' : 'p',
				 s->group, ret ? 'r' : 'e', i, p->path,
				 (unsigned long long)p->offset);
			if ((rc = tracefs_write(s->events_path, line, 1)))
				return fail(s, rc, "cannot probe %s in %s (%s): %s", p->name,
					    p->path, s->events_path, strerror(-rc));
			used += snprintf(s->remove_text + used, room - used, "-:%s/%c%zu\n",
					 s->group, ret ? 'r' : 'e', i);
		}
		s->defined = i + 1;
	}
	return 0;
}

/* "ID: n" and the offset of one field from an event's format file. */
static int format_read(const char *path, const char *field, uint16_t *id, uint16_t *offset)
{
	char text[4096], *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	unsigned off;

	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	text[n] = 0;
	if (!(p = strstr(text, "\nID: ")))
		return -EINVAL;
	*id = strtoul(p + 5, NULL, 10);
	if (!(p = strstr(text, field)) || sscanf(p + strlen(field), "; offset:%u;", &off) != 1)
		return -EINVAL;
	*offset = off;
	return 0;
}

int uprobes_enable(struct uprobe_set *s, const char *instance)
{
	char path[1400];
	int rc;

	for (size_t i = 0; i < s->n; i++) {
		snprintf(path, sizeof(path), "%s/events/%s/e%zu/format", instance, s->group, i);
		if ((rc = format_read(path, "__probe_ip", &s->probes[i].entry_id, &s->ip_offset)))
			return fail(s, rc, "%s: %s", path, strerror(-rc));
		snprintf(path, sizeof(path), "%s/events/%s/r%zu/format", instance, s->group, i);
		if ((rc = format_read(path, "__probe_func", &s->probes[i].return_id,
				      &s->func_offset)))
			return fail(s, rc, "%s: %s", path, strerror(-rc));
	}
	snprintf(path, sizeof(path), "%s/events/%s/enable", instance, s->group);
	if ((rc = tracefs_write(path, "1", 0)))
		return fail(s, rc, "cannot enable %s: %s", path, strerror(-rc));
	return 0;
}

int uprobes_decode(const struct uprobe_set *s, const uint8_t *rec, uint32_t len,
		   uint64_t *word)
{
	uint16_t id;
	uint64_t addr;

	if (len < 8)
		return 0;
	memcpy(&id, rec, 2);
	for (size_t i = 0; i < s->n; i++) {
		int ret = id == s->probes[i].return_id;

		if (id != s->probes[i].entry_id && !ret)
			continue;
		if ((ret ? s->func_offset : s->ip_offset) + 8u > len)
			return 0;
		memcpy(&addr, rec + (ret ? s->func_offset : s->ip_offset), 8);
		*word = CTR_EVENT_WORD(ret ? CTR_KIND_RETURN : CTR_KIND_CALL, addr);
		return 1;
	}
	return 0;
}

void uprobes_remove(const struct uprobe_set *s)
{
	if (s->remove_text && s->remove_text[0])
		tracefs_write(s->events_path, s->remove_text, 1);
}

int tracefs_root(const char *env, char *root, size_t size)
{
	char path[1100];
	struct stat st;

	snprintf(root, size, "%s", env && *env ? env : "/sys/kernel/tracing");
	snprintf(path, sizeof(path), "%s/instances", root);
	if (!stat(path, &st))
		return 0;
	if (env && *env)
		return -ENOENT;
	if (mount("nodev", root, "tracefs", 0, NULL))
		return -errno;
	return stat(path, &st) ? -ENOENT : 0;
}

static int gone(long pid)
{
	return pid > 0 && kill(pid, 0) && errno == ESRCH;
}

static void instances_stale_remove(const char *root)
{
	char dir[1100], path[1400];
	struct dirent *d;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/instances", root);
	if (!(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		char *end;
		long pid;

		if (strncmp(d->d_name, "ctrail-", 7))
			continue;
		pid = strtol(d->d_name + 7, &end, 10);
		if ((*end && strcmp(end, ".switches")) || pid <= 0 ||
		    (pid != getpid() && !gone(pid)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		rmdir(path);
	}
	closedir(dp);
}

void tracefs_stale_remove(const char *root)
{
	char path[1100], line[4352];
	FILE *f;
	int fd;

	instances_stale_remove(root);
	snprintf(path, sizeof(path), "%s/uprobe_events", root);
	if (!(f = fopen(path, "re")))
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	while (fd >= 0 && fgets(line, sizeof(line), f)) {
		char event[128], cmd[160];
		int pid;

		/* "p:ctrail_PID/e0 /path:0x..." */
		if (sscanf(line, "%*c:%127s", event) != 1 ||
		    sscanf(event, "ctrail_%d/", &pid) != 1 || !gone(pid))
			continue;
		snprintf(cmd, sizeof(cmd), "-:%s\n", event);
		if (write(fd, cmd, strlen(cmd)) < 0)
			continue; /* still enabled somewhere: left for later */
	}
	if (fd >= 0)
		close(fd);
	fclose(f);
}

void uprobes_free(struct uprobe_set *s)
{
	free(s->probes);
	free(s->remove_text);
	s->probes = NULL;
	s->remove_text = NULL;
	s->n = s->defined = 0;
}
