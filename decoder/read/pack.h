/* pack.h - the module files of a pack (`ctrail pack`, PACKED chunks of a
 * .ctr file, docs/format.md): made from a module's binary and debug file,
 * and opened again for the symbolizer on a machine without them.
 *
 * A packed file is one ELF file holding the sections the decoder reads:
 * the symbol tables (.symtab, .dynsym and their strings, .rela.plt for PLT
 * names), the DWARF it walks, notes (the build id), read-only data (strings
 * a log event points to) and call frame information; every other section
 * keeps its header as SHT_NOBITS, so addresses and section indexes are
 * those of the original, as in a file made by `objcopy --only-keep-debug`.
 * When the debug info is in a separate file, its section table is the base
 * (its .symtab indexes into it) and the binary fills in the allocated
 * sections the debug file has as NOBITS.  The whole ELF is then compressed
 * as one zlib stream. */
#ifndef PACK_H
#define PACK_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>
#include "reader.h"

/* Makes the packed ELF of a module from its binary (or the file standing
 * in for it) and its separate debug file (NULL if none), then compresses
 * it.  Returns 0 with *data (malloc'd, *data_size bytes) and *elf_size
 * set, or a negative errno. */
int pack_make(Elf *main, Elf *debug, uint8_t **data, uint64_t *data_size,
	      uint64_t *elf_size);

/* The packed ELF inflated into an anonymous file, opened for reading at
 * offset 0; or a negative errno (-EINVAL for a damaged one). */
int pack_open_elf(const struct reader_packed *f);

#endif
