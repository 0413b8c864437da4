/* core_reader.h - an ELF core file as a process image: its memory (the
 * PT_LOAD segments), its threads (NT_PRSTATUS, the dumping thread first),
 * the process (NT_PRPSINFO), the mapped files (NT_FILE) and the auxiliary
 * vector (NT_AUXV), read with libelf from the mmap'ed file.  Memory reads
 * are served from the segments' file bytes; a segment whose bytes were not
 * dumped (p_filesz < p_memsz) reads as missing, not as zeros.
 *
 * Every function returns 0 or a negative errno and, on error, leaves a
 * one-line message in c->err (without the core's name). */
#ifndef CORE_READER_H
#define CORE_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct core_segment {
	uint64_t vaddr, memsz, offset, filesz;
};

#define CORE_REGS 17

struct core_thread {
	pid_t tid;
	int signal; /* pr_cursig: the signal being handled, 0 for most */
	uint64_t regs[CORE_REGS]; /* x86-64 DWARF registers 0-16 (rip last) */
};

struct core_mapping {
	uint64_t start, end, file_offset;
	const char *path; /* inside the core's note */
};

struct core_file {
	const uint8_t *data;
	size_t size;
	struct core_segment *segs;
	size_t nsegs;
	struct core_thread *threads; /* the thread that dumped first */
	size_t nthreads;
	struct core_mapping *maps;
	size_t nmaps;
	pid_t pid, ppid;
	char fname[17];  /* pr_fname, NUL-terminated */
	char psargs[81]; /* pr_psargs: the command line's first 80 bytes */
	uint64_t at_entry; /* AT_ENTRY from NT_AUXV, 0 if absent */
	char err[512];
};

int core_open(struct core_file *c, const char *path);
void core_close(struct core_file *c);

/* Copies n bytes at address addr of the dumped process; -EFAULT if any of
 * them is not in the core. */
int core_read(struct core_file *c, uint64_t addr, void *buf, size_t n);
/* How many of the n bytes from addr on the core holds without a gap. */
size_t core_readable(struct core_file *c, uint64_t addr, size_t n);

/* The executable's path as the process mapped it: the mapping holding
 * AT_ENTRY; NULL if unknown. */
const char *core_exe_path(const struct core_file *c);

/* Finds data symbol `name` in the executable (file exe, which the process
 * ran) or, failing that, in the other mapped files, and returns its
 * run-time address in *addr and the file that had it in *where. */
int core_find_symbol(struct core_file *c, const char *exe, const char *name,
		     uint64_t *addr, const char **where);

#endif
