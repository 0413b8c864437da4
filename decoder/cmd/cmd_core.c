/* cmd_core.c - `ctrail core CORE [--exe PROG] [-o OUT.ctr]`: the trace a
 * crashed program held in memory, read out of its core dump without gdb.
 *
 * core_reader.c opens the core and finds `ctrail_state` through the
 * executable's or a mapped library's symbol table; core_snapshot.c follows
 * it to the threads, rings, modules and clock (runtime/state.h) and this
 * file writes them as an ordinary .ctr file through out_file.h (OUT.tmp.PID
 * renamed into place, so any error leaves no output; a device or FIFO is
 * written in place).  The executable is checked against
 * the build id the runtime recorded for it, since symbols from the wrong
 * binary would decode into a plausible but false trace. */
#define _GNU_SOURCE
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "core_snapshot.h"
#include "out_file.h"

static const struct cli_option options[] = {
	{ "exe", 'e', "PROG", "the program that dumped CORE (default: its path as the core records it)" },
	{ "output", 'o', "OUT", "output file (default: CORE.ctr)" },
	{ "tsc-hz", 0, "HZ", "TSC ticks per second, if the process had not found its rate" },
	{ 0 },
};
enum { OPT_EXE, OPT_OUTPUT, OPT_TSC_HZ };

/* 0 if exe's GNU build id is the one the runtime recorded for the main
 * module, or either is unknown. */
static int check_build_id(const char *exe, const struct core_snapshot *s)
{
	const struct core_module *main_mod = NULL;
	const void *id;
	ssize_t n = -1;
	int fd = open(exe, O_RDONLY | O_CLOEXEC);
	Elf *e = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);

	for (uint32_t i = 0; i < s->nmods && !main_mod; i++)
		if (s->mods[i].hdr.flags & CTR_MODULE_MAIN)
			main_mod = &s->mods[i];
	if (e)
		n = dwelf_elf_gnu_build_id(e, &id);
	n = n <= 0 || !main_mod || !main_mod->hdr.build_id_size ? 0 :
	    n != main_mod->hdr.build_id_size || memcmp(id, main_mod->build_id, n);
	elf_end(e);
	if (fd >= 0)
		close(fd);
	return (int)n;
}

static int write_output(const char *out, const struct core_snapshot *s)
{
	struct ctr_writer w;
	struct out_file o;
	int err = out_file_open(&o, out, 0666);

	if (!err)
		err = ctr_writer_start(&w, o.fd);
	if (!err)
		err = core_snapshot_write(&w, s);
	if (!err)
		err = out_file_commit(&o);
	else
		out_file_discard(&o);
	if (err)
		cli_error("%s: %s", out, strerror(-err));
	return err ? EXIT_ERROR : EXIT_OK;
}

static int extract(const char *core, const char *exe, const char *out,
		   uint64_t tsc_hz)
{
	struct core_file c;
	struct core_snapshot s = { 0 };
	const char *where;
	uint64_t addr;
	int rc = EXIT_ERROR, err;

	if ((err = core_open(&c, core)))
		cli_error("%s: %s", core, *c.err ? c.err : strerror(-err));
	else if (!exe && !(exe = core_exe_path(&c)))
		cli_error("%s: the core does not say which program it is: give --exe", core);
	else if ((err = core_find_symbol(&c, exe, "ctrail_state", &addr, &where)) ||
		 (err = core_snapshot_read(&c, addr, core_exe_path(&c) ? core_exe_path(&c) : exe,
					   tsc_hz, &s)))
		cli_error("%s: %s", core, *c.err ? c.err : strerror(-err));
	else if (check_build_id(exe, &s))
		cli_error("%s: %s is not the program that dumped it (build ids differ)",
			  core, exe);
	else
		rc = write_output(out, &s);
	core_snapshot_free(&s);
	core_close(&c);
	return rc;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_parser p;
	const char *value, *core = NULL, *exe = NULL, *out = NULL;
	char *end, *default_out = NULL;
	uint64_t tsc_hz = 0;
	int opt, rc;

	cli_parser_init(&p, cmd, argc, argv);
	while ((opt = cli_next(&p, &value)) != CLI_DONE) {
		if (opt == CLI_ARG && core)
			return cli_usage_error(cmd, "one CORE only");
		else if (opt == CLI_ARG)
			core = value;
		else if (opt == OPT_EXE)
			exe = value;
		else if (opt == OPT_OUTPUT)
			out = value;
		else if (opt == OPT_TSC_HZ) {
			errno = 0;
			tsc_hz = strtoull(value, &end, 10);
			if (errno || *end || !tsc_hz || *value == '-')
				return cli_usage_error(cmd, "--tsc-hz %s: expected a positive integer", value);
		}
	}
	if (!core)
		return cli_usage_error(cmd, "missing CORE");
	if (!out && asprintf(&default_out, "%s.ctr", core) < 0)
		return cli_error("out of memory");
	elf_version(EV_CURRENT);
	rc = extract(core, exe, out ? out : default_out, tsc_hz);
	free(default_out);
	return rc;
}

const struct cli_command cmd_core = {
	.name = "core",
	.synopsis = "[--exe PROG] [-o OUT.ctr] [--tsc-hz HZ] CORE",
	.summary = "write the trace held by a crashed program's core dump as a .ctr file",
	.description =
		"Reads the ring buffers, thread list, module map and clock that the ctrail\n"
		"runtime kept in memory straight out of an ELF core file (no gdb needed)\n"
		"and writes them as one snapshot (reason \"core\") that `ctrail convert`,\n"
		"`dump` and `info` decode as usual.  PROG is the program that dumped CORE\n"
		"(its build id is checked); the runtime's `ctrail_state` is looked up in it,\n"
		"or in the libraries the core maps (libctrail.so).  The thread that dumped\n"
		"the core comes last, flagged \"crashed\".  Live threads' names are not in\n"
		"a core (the main thread's is); exited threads keep theirs.",
	.options = options,
	.run = run,
};
