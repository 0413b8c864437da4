/* pack.c - see pack.h.  The packed ELF is written with libelf into an
 * anonymous memory file (memfd) and read back; libelf lays it out anew
 * (section offsets, e_shoff), only the program headers are copied as they
 * are: the decoder reads addresses from them, never file offsets. */
#define _GNU_SOURCE /* memfd_create */
#include "pack.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

/* Debug sections the decoder never reads: variables' locations, macros. */
static const char *const unused_debug[] = {
	".debug_loc", ".debug_loclists", ".debug_macro", ".debug_macinfo", NULL,
};

/* Whether section `name` with header sh keeps its bytes in the pack. */
static bool wanted(const char *name, const GElf_Shdr *sh)
{
	if (sh->sh_type == SHT_NOBITS)
		return false;
	if (!strncmp(name, ".debug_", 7) || !strncmp(name, ".zdebug_", 8)) {
		for (const char *const *u = unused_debug; *u; u++)
			if (!strcmp(name, *u))
				return false;
		return true;
	}
	switch (sh->sh_type) {
	case SHT_SYMTAB: case SHT_DYNSYM: case SHT_STRTAB: case SHT_NOTE:
		return true;
	case SHT_RELA:
		return !strcmp(name, ".rela.plt");
	case SHT_PROGBITS:
		/* read-only data and .eh_frame; not code, not writable data */
		if (!strcmp(name, ".gnu_debugdata"))
			return true;
		return (sh->sh_flags & SHF_ALLOC) &&
		       !(sh->sh_flags & (SHF_EXECINSTR | SHF_WRITE));
	default:
		return false;
	}
}

/* The section of elf named `name` at address addr with bytes, or NULL. */
static Elf_Scn *find_filled(Elf *elf, const char *name, uint64_t addr)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx) < 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (gelf_getshdr(scn, &sh) && sh.sh_type != SHT_NOBITS &&
		    sh.sh_addr == addr && (n = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* Copies section `src` of `base` into out: its bytes when wanted (from
 * `fill` when base has it as NOBITS), else its header as NOBITS. */
static int copy_section(Elf *out, Elf *base, Elf *fill, size_t shstrndx, Elf_Scn *src)
{
	Elf_Scn *scn = elf_newscn(out);
	GElf_Shdr sh;
	const char *name;
	Elf_Data *from, *to;

	if (!scn || !gelf_getshdr(src, &sh))
		return -EINVAL;
	name = elf_strptr(base, shstrndx, sh.sh_name);
	if (name && sh.sh_type == SHT_NOBITS && (sh.sh_flags & SHF_ALLOC) && fill) {
		Elf_Scn *filled = find_filled(fill, name, sh.sh_addr);
		GElf_Shdr fsh;

		if (filled && gelf_getshdr(filled, &fsh) && wanted(name, &fsh)) {
			src = filled;
			sh.sh_type = fsh.sh_type;
		}
	}
	if (!name || !wanted(name, &sh)) {
		if (sh.sh_type != SHT_NULL)
			sh.sh_type = SHT_NOBITS;
		return gelf_update_shdr(scn, &sh) ? 0 : -EINVAL;
	}
	from = elf_rawdata(src, NULL);
	to = elf_newdata(scn);
	if (!from || !to)
		return -EINVAL;
	/* Raw bytes: same class and byte order, nothing to convert. */
	to->d_buf = from->d_buf;
	to->d_size = from->d_size;
	to->d_type = ELF_T_BYTE;
	to->d_align = sh.sh_addralign ? sh.sh_addralign : 1;
	return gelf_update_shdr(scn, &sh) ? 0 : -EINVAL;
}

static int copy_headers(Elf *out, Elf *base, Elf *main)
{
	GElf_Ehdr eh;
	size_t nph;
	Elf *ph_from = main ? main : base;

	if (!gelf_getehdr(base, &eh) || !gelf_newehdr(out, gelf_getclass(base)) ||
	    elf_getphdrnum(ph_from, &nph) < 0)
		return -EINVAL;
	if (!gelf_update_ehdr(out, &eh))
		return -EINVAL;
	if (nph && !gelf_newphdr(out, nph))
		return -EINVAL;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(ph_from, i, &ph) || !gelf_update_phdr(out, i, &ph))
			return -EINVAL;
	}
	return 0;
}

/* Writes the packed ELF to fd. */
static int write_elf(int fd, Elf *main, Elf *debug)
{
	Elf *base = debug ? debug : main;
	Elf *out = elf_begin(fd, ELF_C_WRITE, NULL);
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	int err = out ? copy_headers(out, base, main) : -ENOMEM;

	if (!err && elf_getshdrstrndx(base, &shstrndx) < 0)
		err = -EINVAL;
	while (!err && (scn = elf_nextscn(base, scn)))
		err = copy_section(out, base, debug ? main : NULL, shstrndx, scn);
	if (!err && elf_update(out, ELF_C_WRITE) < 0)
		err = -EINVAL;
	if (out)
		elf_end(out);
	return err;
}

/* The whole of fd's file, malloc'd. */
static int read_back(int fd, uint8_t **bytes, uint64_t *size)
{
	off_t end = lseek(fd, 0, SEEK_END);
	uint8_t *buf;

	if (end < 0)
		return -errno;
	buf = malloc(end ? end : 1);
	if (!buf)
		return -ENOMEM;
	for (off_t got = 0; got < end;) {
		ssize_t n = pread(fd, buf + got, end - got, got);

		if (n <= 0) {
			free(buf);
			return n < 0 ? -errno : -EIO;
		}
		got += n;
	}
	*bytes = buf;
	*size = end;
	return 0;
}

int pack_make(Elf *main, Elf *debug, uint8_t **data, uint64_t *data_size,
	      uint64_t *elf_size)
{
	int fd = memfd_create("ctrail-pack", MFD_CLOEXEC);
	uint8_t *elf = NULL;
	uLongf room;
	int err;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	err = write_elf(fd, main, debug);
	if (!err)
		err = read_back(fd, &elf, elf_size);
	close(fd);
	if (err)
		return err;
	room = compressBound(*elf_size);
	*data = malloc(room);
	if (!*data) {
		free(elf);
		return -ENOMEM;
	}
	err = compress2(*data, &room, elf, *elf_size, Z_BEST_COMPRESSION) == Z_OK ? 0 : -ENOMEM;
	free(elf);
	if (err) {
		free(*data);
		return err;
	}
	*data_size = room;
	return 0;
}

int pack_open_elf(const struct reader_packed *f)
{
	uLongf size = f->hdr->elf_size;
	int fd, err = 0;
	uint8_t *map;

	if (f->hdr->compression != CTR_PACKED_ZLIB || size == 0)
		return -EINVAL;
	fd = memfd_create("ctrail-packed", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		return -ENOMEM;
	}
	if (uncompress(map, &size, f->data, f->hdr->data_size) != Z_OK ||
	    size != f->hdr->elf_size)
		err = -EINVAL;
	munmap(map, f->hdr->elf_size);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}
