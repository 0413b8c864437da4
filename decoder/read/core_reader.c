/* core_reader.c - see core_reader.h.  The core is mmap'ed whole; libelf
 * reads its program headers and notes.  A segment or note whose bytes lie
 * past the end of the file makes the core "truncated" up front, so a cut
 * core (ulimit -c, a full disk, head -c) is reported as such instead of as
 * missing memory later.  Symbols come from the mapped files on this
 * machine: the executable's bias from AT_ENTRY, a library's from where its
 * first page was mapped (NT_FILE). */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <unistd.h>
#include "core_reader.h"

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif

static int fail(struct core_file *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct core_file *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return err;
}

static void *grow(void *array, size_t n, size_t size)
{
	return (n & (n - 1)) ? array : realloc(array, (n ? 2 * n : 1) * size);
}

static int add_segment(struct core_file *c, const GElf_Phdr *ph)
{
	struct core_segment *s = grow(c->segs, c->nsegs, sizeof(*s));

	if (!s)
		return fail(c, -ENOMEM, "out of memory");
	c->segs = s;
	c->segs[c->nsegs++] = (struct core_segment){
		ph->p_vaddr, ph->p_memsz, ph->p_offset, ph->p_filesz };
	return 0;
}

/* The note's general registers (struct user_regs_struct) in DWARF order. */
static void dwarf_regs(uint64_t *out, const struct elf_prstatus *st)
{
	struct user_regs_struct r;

	_Static_assert(sizeof(r) == sizeof(st->pr_reg), "NT_PRSTATUS registers");
	memcpy(&r, &st->pr_reg, sizeof(r));
	uint64_t dwarf[CORE_REGS] = { r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp,
				      r.rsp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13,
				      r.r14, r.r15, r.rip };
	memcpy(out, dwarf, sizeof(dwarf));
}

static int add_thread(struct core_file *c, const uint8_t *desc, size_t size)
{
	struct elf_prstatus st;
	struct core_thread *t;

	if (size < sizeof(st))
		return fail(c, -EINVAL, "NT_PRSTATUS note of %zu bytes, expected %zu",
			    size, sizeof(st));
	memcpy(&st, desc, sizeof(st));
	if (!(t = grow(c->threads, c->nthreads, sizeof(*t))))
		return fail(c, -ENOMEM, "out of memory");
	c->threads = t;
	t = &c->threads[c->nthreads++];
	*t = (struct core_thread){ .tid = st.pr_pid, .signal = st.pr_cursig };
	dwarf_regs(t->regs, &st);
	return 0;
}

static int read_psinfo(struct core_file *c, const uint8_t *desc, size_t size)
{
	struct elf_prpsinfo ps;

	if (size < sizeof(ps))
		return fail(c, -EINVAL, "NT_PRPSINFO note of %zu bytes, expected %zu",
			    size, sizeof(ps));
	memcpy(&ps, desc, sizeof(ps));
	c->pid = ps.pr_pid;
	c->ppid = ps.pr_ppid;
	memcpy(c->fname, ps.pr_fname, sizeof(ps.pr_fname));
	memcpy(c->psargs, ps.pr_psargs, sizeof(ps.pr_psargs));
	return 0;
}

static void read_auxv(struct core_file *c, const uint8_t *desc, size_t size)
{
	for (size_t i = 0; i + 16 <= size; i += 16) {
		uint64_t kv[2];
		memcpy(kv, desc + i, 16);
		if (kv[0] == AT_ENTRY)
			c->at_entry = kv[1];
	}
}

/* NT_FILE: count, page size, count {start, end, page offset}, then count
 * NUL-terminated paths. */
static int read_files(struct core_file *c, const uint8_t *desc, size_t size)
{
	uint64_t head[2];
	const char *name, *end = (const char *)desc + size;

	if (size < 16)
		return fail(c, -EINVAL, "NT_FILE note too short");
	memcpy(head, desc, 16);
	if (head[0] > (size - 16) / 24)
		return fail(c, -EINVAL, "NT_FILE note counts %llu files in %zu bytes",
			    (unsigned long long)head[0], size);
	c->maps = calloc(head[0] ? head[0] : 1, sizeof(*c->maps));
	if (!c->maps)
		return fail(c, -ENOMEM, "out of memory");
	name = (const char *)desc + 16 + head[0] * 24;
	for (uint64_t i = 0; i < head[0]; i++) {
		uint64_t m[3];
		const char *nul = memchr(name, 0, end - name);
		if (!nul)
			return fail(c, -EINVAL, "NT_FILE note: path %llu not terminated",
				    (unsigned long long)i);
		memcpy(m, desc + 16 + i * 24, 24);
		c->maps[i] = (struct core_mapping){ m[0], m[1], m[2] * head[1], name };
		c->nmaps++;
		name = nul + 1;
	}
	return 0;
}

static int read_note(struct core_file *c, const GElf_Nhdr *n, const char *name,
		     const uint8_t *desc)
{
	if (n->n_namesz != 5 || memcmp(name, "CORE", 5))
		return 0;
	switch (n->n_type) {
	case NT_PRSTATUS:
		return add_thread(c, desc, n->n_descsz);
	case NT_PRPSINFO:
		return read_psinfo(c, desc, n->n_descsz);
	case NT_AUXV:
		read_auxv(c, desc, n->n_descsz);
		return 0;
	case NT_FILE:
		return c->maps ? 0 : read_files(c, desc, n->n_descsz);
	}
	return 0;
}

static int read_notes(struct core_file *c, Elf *e, const GElf_Phdr *ph)
{
	Elf_Data *d = elf_getdata_rawchunk(e, ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	size_t off = 0, name_off, desc_off, next;
	GElf_Nhdr n;
	int err;

	if (!d)
		return fail(c, -EINVAL, "unreadable notes at byte %llu: %s",
			    (unsigned long long)ph->p_offset, elf_errmsg(-1));
	while ((next = gelf_getnote(d, off, &n, &name_off, &desc_off)) > 0) {
		if ((err = read_note(c, &n, (const char *)d->d_buf + name_off,
				     (const uint8_t *)d->d_buf + desc_off)))
			return err;
		off = next;
	}
	return 0;
}

static int read_headers(struct core_file *c, Elf *e)
{
	GElf_Ehdr eh;
	size_t nph;
	int err;

	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		return fail(c, -EINVAL, "not an ELF file");
	if (eh.e_type != ET_CORE)
		return fail(c, -EINVAL, "not a core file (ELF type %u)", eh.e_type);
	if (eh.e_machine != EM_X86_64 || gelf_getclass(e) != ELFCLASS64)
		return fail(c, -EINVAL, "not an x86-64 core (machine %u)", eh.e_machine);
	if (elf_getphdrnum(e, &nph))
		return fail(c, -EINVAL, "truncated: no program headers (%zu bytes)", c->size);
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, i, &ph))
			return fail(c, -EINVAL, "truncated: program header %zu missing (%zu bytes)",
				    i, c->size);
		if ((ph.p_type == PT_LOAD || ph.p_type == PT_NOTE) &&
		    (ph.p_offset > c->size || ph.p_filesz > c->size - ph.p_offset))
			return fail(c, -EINVAL,
				    "truncated: segment %zu needs bytes up to %llu, the file has %zu",
				    i, (unsigned long long)(ph.p_offset + ph.p_filesz), c->size);
		if (ph.p_type == PT_LOAD)
			err = add_segment(c, &ph);
		else if (ph.p_type == PT_NOTE)
			err = read_notes(c, e, &ph);
		else
			err = 0;
		if (err)
			return err;
	}
	if (!c->nthreads)
		return fail(c, -EINVAL, "no NT_PRSTATUS note: no threads in the core");
	return 0;
}

int core_open(struct core_file *c, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *e;
	int err;

	memset(c, 0, sizeof(*c));
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return fail(c, err, "%s", strerror(-err));
	}
	c->size = st.st_size;
	c->data = c->size ? mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (c->data == MAP_FAILED) {
		c->data = NULL;
		return fail(c, -errno, "%s", strerror(errno));
	}
	elf_version(EV_CURRENT);
	e = elf_memory((char *)c->data, c->size);
	if (!e)
		return fail(c, -EINVAL, "not an ELF file");
	err = read_headers(c, e);
	elf_end(e);
	return err;
}

void core_close(struct core_file *c)
{
	if (c->data)
		munmap((void *)c->data, c->size);
	free(c->segs);
	free(c->threads);
	free(c->maps);
	memset(c, 0, sizeof(*c));
}

/* The segment whose dumped bytes hold addr, or NULL. */
static const struct core_segment *segment_at(const struct core_file *c, uint64_t addr)
{
	for (size_t i = 0; i < c->nsegs; i++)
		if (addr >= c->segs[i].vaddr && addr - c->segs[i].vaddr < c->segs[i].filesz)
			return &c->segs[i];
	return NULL;
}

size_t core_readable(struct core_file *c, uint64_t addr, size_t n)
{
	const struct core_segment *s;
	size_t done = 0;

	while (done < n && (s = segment_at(c, addr + done))) {
		uint64_t left = s->filesz - (addr + done - s->vaddr);
		done += left < n - done ? left : n - done;
	}
	return done;
}

int core_read(struct core_file *c, uint64_t addr, void *buf, size_t n)
{
	uint8_t *out = buf;

	while (n) {
		const struct core_segment *s = segment_at(c, addr);
		uint64_t at, take;

		if (!s)
			return fail(c, -EFAULT, "address 0x%llx is not in the core",
				    (unsigned long long)addr);
		at = addr - s->vaddr;
		take = s->filesz - at < n ? s->filesz - at : n;
		memcpy(out, c->data + s->offset + at, take);
		out += take;
		addr += take;
		n -= take;
	}
	return 0;
}

const char *core_exe_path(const struct core_file *c)
{
	for (size_t i = 0; i < c->nmaps; i++)
		if (c->at_entry >= c->maps[i].start && c->at_entry < c->maps[i].end)
			return c->maps[i].path;
	return NULL;
}

/* Value of the defined symbol `name` in the file's .symtab or .dynsym. */
static int symbol_value(Elf *e, const char *name, uint64_t *value)
{
	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			Elf_Data *d;
			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB) ||
			    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
				continue;
			for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Sym sym;
				const char *s;
				if (gelf_getsym(d, i, &sym) && sym.st_shndx != SHN_UNDEF &&
				    (s = elf_strptr(e, sh.sh_link, sym.st_name)) && !strcmp(s, name)) {
					*value = sym.st_value;
					return 0;
				}
			}
		}
	}
	return -ENOENT;
}

/* Where the file's addresses were moved to: for the executable from
 * AT_ENTRY, for a library from its mapping at file offset 0. */
static int file_bias(const struct core_file *c, Elf *e, const char *mapped_as,
		     uint64_t *bias)
{
	GElf_Ehdr eh;
	size_t nph;

	if (!gelf_getehdr(e, &eh) || elf_getphdrnum(e, &nph))
		return -EINVAL;
	if (eh.e_type == ET_EXEC) {
		*bias = 0;
		return 0;
	}
	if (!mapped_as) {
		*bias = c->at_entry - eh.e_entry;
		return c->at_entry ? 0 : -ENOENT;
	}
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		for (size_t m = 0; m < c->nmaps; m++)
			if (!strcmp(c->maps[m].path, mapped_as) && c->maps[m].file_offset == 0) {
				*bias = c->maps[m].start - (ph.p_vaddr & ~(uint64_t)0xfff);
				return 0;
			}
		break;
	}
	return -ENOENT;
}

/* 0 with *addr set, 1 if the file has no such symbol (or no way to place
 * it), or a negative errno if the file cannot be read.  mapped_as: the
 * library's path in NT_FILE, NULL for the executable. */
static int symbol_in_file(const struct core_file *c, const char *path,
			  const char *mapped_as, const char *name, uint64_t *addr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t value, bias;
	Elf *e;
	int found = 1;

	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (e && elf_kind(e) == ELF_K_ELF && !symbol_value(e, name, &value) &&
	    !file_bias(c, e, mapped_as, &bias)) {
		*addr = value + bias;
		found = 0;
	}
	elf_end(e);
	close(fd);
	return found;
}

int core_find_symbol(struct core_file *c, const char *exe, const char *name,
		     uint64_t *addr, const char **where)
{
	const char *exe_mapped = core_exe_path(c);
	int err = symbol_in_file(c, exe, NULL, name, addr);

	*where = exe;
	if (err < 0)
		return fail(c, err, "%s: %s", exe, strerror(-err));
	if (!err)
		return 0;
	for (size_t i = 0; i < c->nmaps; i++) {
		const char *p = c->maps[i].path;
		if (c->maps[i].file_offset || (exe_mapped && !strcmp(p, exe_mapped)))
			continue;
		if (symbol_in_file(c, p, p, name, addr) == 0) {
			*where = p;
			return 0;
		}
	}
	return fail(c, -ENOENT, "no %s in %s or the libraries it mapped: "
		    "not built with ctrail, or stripped", name, exe);
}
