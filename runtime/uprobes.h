/* uprobes.h - probing functions of ELF files the kernel maps into a
 * process, with uprobes and uretprobes defined in tracefs (uprobe_events).
 * Shared by the runtime (CTRAIL_PROBES, probes.c) and the ctrail command
 * (`ctrail attach`), so both read a SPEC, resolve it and name their events
 * the same way.  Plain system calls and libelf (opened with dlopen, as the
 * runtime must not depend on elfutils): no allocation after setup.
 *
 * SPEC: items separated by ';', each "[MODULE:]FUNC[,FUNC...]".  MODULE is
 * an absolute path, or the file name (or its start before a '.' or '-':
 * "libc" is "libc.so.6") of a file the process maps; without one, the
 * executable.  FUNC is a function name or a glob (fnmatch), which may
 * match at most UPROBES_GLOB_MAX functions.  Names come from .symtab, or
 * from .dynsym when the file is stripped.
 *
 * Every function gets an entry probe GROUP/eN and a return probe GROUP/rN,
 * where GROUP is "ctrail_PID" of the process that defined them; probes of
 * groups whose process is gone are removed by tracefs_stale_remove, which
 * ftrace.c uses too, with tracefs_root. */
#ifndef UPROBES_H
#define UPROBES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UPROBES_GLOB_MAX 64 /* functions one glob may match */
#define UPROBES_MAX 512     /* functions in one SPEC */

struct uprobe {
	char path[256];   /* the ELF file */
	char name[64];    /* its symbol (cut at 63 bytes) */
	uint64_t offset;  /* file offset of the function's first byte */
	uint16_t entry_id, return_id; /* event ids, after uprobes_enable */
};

struct uprobe_set {
	struct uprobe *probes;
	size_t n;
	char group[32];
	char events_path[1024];  /* ROOT/uprobe_events, after uprobes_define */
	char *remove_text;       /* "-:GROUP/e0\n..." for uprobes_remove */
	size_t defined;          /* probes written to uprobe_events */
	uint16_t ip_offset;      /* of __probe_ip in entry records */
	uint16_t func_offset;    /* of __probe_func in return records */
	char err[512];           /* what failed, when a call returns < 0 */
};

/* Reads SPEC and finds every function in the files process pid maps.
 * Returns 0, or -EINVAL / -ENOENT / ... with s->err set ("no function
 * foo in /lib/x.so", "/bin/x has no symbol table (stripped)", ...). */
int uprobes_resolve(struct uprobe_set *s, const char *spec, pid_t pid);

/* Writes the probes to ROOT/uprobe_events under group "ctrail_<owner>". */
int uprobes_define(struct uprobe_set *s, const char *root, pid_t owner);

/* Enables the group in an instance directory and reads the event ids. */
int uprobes_enable(struct uprobe_set *s, const char *instance);

/* A trace record (after its ring-buffer header) of one of our events:
 * sets *word to a CTR_KIND_CALL or CTR_KIND_RETURN event word of the
 * function's address in the process and returns 1; 0 if not ours. */
int uprobes_decode(const struct uprobe_set *s, const uint8_t *rec, uint32_t len,
		   uint64_t *word);

/* Removes the group's probes (its events must be disabled first: remove
 * the instance).  Async-signal-safe. */
void uprobes_remove(const struct uprobe_set *s);

/* Writes text to a tracefs control file: appended (uprobe_events), or
 * replacing what it holds.  0 or a negative errno.  Async-signal-safe. */
int tracefs_write(const char *path, const char *text, int append);

/* The tracefs root: asked (CTRAIL_TRACEFS; NULL or empty: not set), or
 * /sys/kernel/tracing, mounted there if it is not yet.  0 or a negative
 * errno (root is set either way). */
int tracefs_root(const char *asked, char *root, size_t size);

/* Removes what processes that are gone left under ROOT: their instances
 * (instances/ctrail-PID, ctrail-PID.switches) and then their probes
 * (ctrail_PID groups); and our own pid's instances (left by a program
 * this process exec'd from). */
void tracefs_stale_remove(const char *root);

void uprobes_free(struct uprobe_set *s);

#endif
