/* ftrace.c - the kernel's scheduling events for this process, collected
 * from an ftrace instance of our own so snapshots can show when each thread
 * was running, runnable or waiting.
 *
 * Setup (sched_start): under the tracefs root (CTRAIL_TRACEFS, else
 * /sys/kernel/tracing, mounted there if missing and we may: tracefs_root
 * in uprobes.c) we remove (tracefs_stale_remove)
 * instances/ctrail-PID[.switches] left by processes that are gone, create
 * our own two instances, set their trace_clock to x86-tsc (raw TSC: the
 * function events' clock) and enable six events:
 *   ctrail-PID: wakeups, forks, exits and renames of our threads and their
 *     children only (set_event_pid with every thread of ours, plus
 *     options/event-fork);
 *   ctrail-PID.switches: every sched_switch on every CPU, whoever it
 *     involves, so a CPU's history has no holes (a switch between two
 *     other tasks tells who ran in the slot one of ours left; without it
 *     viewers see another task running through it).
 * Field offsets come from each event's format file (event ids are the same
 * in every instance).
 *
 * Collection: a reader thread (never traced, every signal blocked) wakes
 * every READ_INTERVAL_MS, or when told to stop, and drains the per-CPU
 * binary buffers (per_cpu/cpuN/trace_pipe_raw, read without blocking):
 * each read returns one ring-buffer page - a header (base timestamp,
 * commit size, missed-events flags) and 4-byte-headed records whose 27-bit
 * time deltas add up from the base.  Decoded events go into a bounded ring
 * of struct ctr_sched_event (CTRAIL_SCHED_EVENTS of them, oldest
 * overwritten), guarded by sched_lock.  A snapshot drains the buffers
 * itself first, so it carries events up to the moment it was taken.
 *
 * Teardown: at exit (atexit) and on a fatal signal whose action was the
 * default, the buffers are closed and the instance directory removed; a
 * SIGKILLed process leaves it behind for the next start to remove. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ctrail.h"
#include "runtime.h"
#include "uprobes.h"

#define BUFFER_KB "1024"     /* per CPU */
#define READ_INTERVAL_MS 20
#define MAX_FIELDS 7
#define ROOT_MAX 1024      /* longest tracefs root path */

/* Where a tracepoint field goes in struct ctr_sched_event. */
enum dest { D_COMM, D_PID, D_PRIO, D_STATE, D_NEXT_COMM, D_NEXT_PID, D_NEXT_PRIO };

struct field {
	const char *name;
	enum dest dest;
	uint16_t offset, size; /* found in the format file; size 0: absent */
	int is_signed;
};

struct event_format {
	const char *path; /* under events/ */
	uint16_t id;
	struct field fields[MAX_FIELDS];
};

/* Indexed by enum ctr_sched_type. */
static struct event_format formats[CTR_SCHED_TYPES] = {
	[CTR_SCHED_SWITCH] = { "sched/sched_switch", 0, {
		{ "prev_comm", D_COMM }, { "prev_pid", D_PID },
		{ "prev_prio", D_PRIO }, { "prev_state", D_STATE },
		{ "next_comm", D_NEXT_COMM }, { "next_pid", D_NEXT_PID },
		{ "next_prio", D_NEXT_PRIO } } },
	[CTR_SCHED_WAKING] = { "sched/sched_waking", 0, {
		{ "comm", D_COMM }, { "pid", D_PID }, { "prio", D_PRIO },
		{ "target_cpu", D_STATE } } },
	[CTR_SCHED_WAKEUP_NEW] = { "sched/sched_wakeup_new", 0, {
		{ "comm", D_COMM }, { "pid", D_PID }, { "prio", D_PRIO },
		{ "target_cpu", D_STATE } } },
	[CTR_SCHED_PROCESS_EXIT] = { "sched/sched_process_exit", 0, {
		{ "comm", D_COMM }, { "pid", D_PID }, { "prio", D_PRIO } } },
	[CTR_SCHED_NEWTASK] = { "task/task_newtask", 0, {
		{ "comm", D_COMM }, { "pid", D_PID },
		{ "clone_flags", D_STATE } } },
	[CTR_SCHED_RENAME] = { "task/task_rename", 0, {
		{ "newcomm", D_COMM }, { "oldcomm", D_NEXT_COMM },
		{ "pid", D_PID } } },
};

/* Ring-buffer page layout (events/header_page, events/header_event). */
#define PAGE_COMMIT_MASK ((UINT64_C(1) << 27) - 1)
#define PAGE_MISSED_EVENTS (UINT64_C(1) << 31)
#define PAGE_MISSED_STORED (UINT64_C(1) << 30)
#define TYPE_PADDING 29
#define TYPE_TIME_EXTEND 30
#define TYPE_TIME_STAMP 31
#define TS_SHIFT 27

static pthread_mutex_t sched_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ctr_sched_event *ring; /* NULL: never started */
static uint64_t ring_cap, ring_written, lost;
static int *cpu_fds, *cpu_ids; /* both instances' per-CPU buffers */
static uint32_t ncpus, cpu_cap, ncpus_read; /* ncpus_read: one instance's */
static char *page;
static size_t page_size, data_offset;
static char instance[PATH_MAX]; /* our instance directory */
static char switches[PATH_MAX + 16]; /* and the one of every sched_switch */
static pid_t owner;              /* the process that made it */
static int stop_pipe[2] = { -1, -1 };
static pthread_t reader;
static int reader_running;
static int hooks_installed; /* atexit and atfork, once */

/* Writes a short text to a control file of an instance directory. */
static int put_file_in(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 96];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return tracefs_write(path, text, 0);
}

static int put_file(const char *name, const char *text)
{
	return put_file_in(instance, name, text);
}

static ssize_t get_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, r;

	if (fd < 0)
		return -errno;
	while (n < (ssize_t)size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

/* Finds "field:TYPE NAME;" or "field:TYPE NAME[16];" in a format file and
 * reads its offset, size and signedness. */
static int field_parse(const char *text, struct field *f)
{
	size_t len = strlen(f->name);

	for (const char *p = text; (p = strstr(p, "field:")); p++) {
		const char *semi = strchr(p, ';'), *name;
		unsigned off, size, sign;

		if (!semi)
			break;
		name = semi;
		while (name > p && name[-1] != ' ' && name[-1] != '\t')
			name--;
		if (strncmp(name, f->name, len) || (name[len] != ';' && name[len] != '['))
			continue;
		if (sscanf(semi, "; offset:%u; size:%u; signed:%u;", &off, &size, &sign) != 3)
			return -EINVAL;
		f->offset = off;
		f->size = size;
		f->is_signed = sign;
		return 0;
	}
	return -ENOENT;
}

static int format_load(struct event_format *e)
{
	char path[PATH_MAX + 64], text[8192];
	const char *id;
	int rc;

	snprintf(path, sizeof(path), "%s/events/%s/format", instance, e->path);
	if (get_file(path, text, sizeof(text)) <= 0)
		return -ENOENT;
	if (!(id = strstr(text, "\nID: ")))
		return -EINVAL;
	e->id = strtoul(id + 5, NULL, 10);
	for (int i = 0; i < MAX_FIELDS && e->fields[i].name; i++)
		if ((rc = field_parse(text, &e->fields[i])))
			return rc;
	return 0;
}

/* The offset of the data in a page, from events/header_page. */
static int header_page_load(const char *root)
{
	char path[PATH_MAX + 64], text[1024];
	const char *p;
	unsigned off;

	snprintf(path, sizeof(path), "%s/events/header_page", root);
	if (get_file(path, text, sizeof(text)) <= 0 || !(p = strstr(text, "char data;")) ||
	    sscanf(p, "char data; offset:%u;", &off) != 1)
		return -EINVAL;
	data_offset = off;
	return 0;
}

static int64_t field_int(const uint8_t *rec, const struct field *f)
{
	switch (f->size) {
	case 1: return f->is_signed ? *(int8_t *)(rec + f->offset) : rec[f->offset];
	case 2: { uint16_t v; memcpy(&v, rec + f->offset, 2); return f->is_signed ? (int16_t)v : v; }
	case 4: { uint32_t v; memcpy(&v, rec + f->offset, 4); return f->is_signed ? (int64_t)(int32_t)v : (int64_t)v; }
	case 8: { int64_t v; memcpy(&v, rec + f->offset, 8); return v; }
	}
	return 0;
}

/* Decodes one trace record of len bytes into the ring, if it is one of
 * ours.  Called with sched_lock held. */
static void record_put(const uint8_t *rec, uint32_t len, uint64_t tsc, uint16_t cpu)
{
	uint16_t id;
	int type;
	struct ctr_sched_event *e;

	if (len < 8)
		return;
	memcpy(&id, rec, 2);
	for (type = 1; type < CTR_SCHED_TYPES && formats[type].id != id; type++)
		;
	if (type == CTR_SCHED_TYPES) {
		probes_put(rec, len, tsc, cpu);
		return;
	}
	e = &ring[ring_written++ % ring_cap];
	memset(e, 0, sizeof(*e));
	e->tsc = tsc;
	e->type = type;
	e->cpu = cpu;
	e->irq_flags = rec[2];
	e->preempt = rec[3];
	memcpy(&e->common_pid, rec + 4, 4);
	for (const struct field *f = formats[type].fields; f < formats[type].fields + MAX_FIELDS && f->name; f++) {
		char *comm = f->dest == D_COMM ? e->comm : f->dest == D_NEXT_COMM ? e->next_comm : NULL;
		int64_t v;

		if (f->offset + f->size > len)
			continue;
		if (comm) {
			memcpy(comm, rec + f->offset, f->size < 16 ? f->size : 16);
			continue;
		}
		v = field_int(rec, f);
		switch (f->dest) {
		case D_PID: e->pid = v; break;
		case D_PRIO: e->prio = v; break;
		case D_STATE: e->state = v; break;
		case D_NEXT_PID: e->next_pid = v; break;
		case D_NEXT_PRIO: e->next_prio = v; break;
		default: break;
		}
	}
}

/* Walks one ring-buffer page of `size` bytes read from CPU cpu. */
static void page_parse(const uint8_t *pg, size_t size, uint16_t cpu)
{
	uint64_t ts, commit;
	const uint8_t *p, *end;

	if (size < data_offset)
		return;
	memcpy(&ts, pg, 8);
	memcpy(&commit, pg + 8, 8);
	if (commit & PAGE_MISSED_EVENTS) {
		uint64_t n = 1;
		if ((commit & PAGE_MISSED_STORED) &&
		    data_offset + (commit & PAGE_COMMIT_MASK) + 8 <= size)
			memcpy(&n, pg + data_offset + (commit & PAGE_COMMIT_MASK), 8);
		lost += n;
	}
	p = pg + data_offset;
	end = p + (commit & PAGE_COMMIT_MASK);
	if (end > pg + size)
		end = pg + size;
	while (p + 4 <= end) {
		uint32_t head, type_len, delta, arg = 0, len;

		memcpy(&head, p, 4);
		type_len = head & 31;
		delta = head >> 5;
		if (p + 8 <= end)
			memcpy(&arg, p + 4, 4);
		switch (type_len) {
		case TYPE_PADDING:
			if (delta == 0)
				return; /* the rest of the page is empty */
			p += 4 + arg;
			continue;
		case TYPE_TIME_EXTEND:
			ts += ((uint64_t)arg << TS_SHIFT) + delta;
			p += 8;
			continue;
		case TYPE_TIME_STAMP: /* absolute: the low 59 bits */
			ts = (ts & ~((UINT64_C(1) << 59) - 1)) | ((uint64_t)arg << TS_SHIFT | delta);
			p += 8;
			continue;
		case 0: /* long record: length in the next word */
			if (arg < 4)
				return;
			ts += delta;
			len = arg - 4;
			if (p + 8 + len > end)
				return;
			record_put(p + 8, len, ts, cpu);
			p += 8 + ((len + 3) & ~3u);
			continue;
		default:
			ts += delta;
			len = type_len * 4;
			if (p + 4 + len > end)
				return;
			record_put(p + 4, len, ts, cpu);
			p += 4 + len;
		}
	}
}

/* Reads every page the kernel has ready.  Called with sched_lock held. */
static void drain(void)
{
	for (uint32_t i = 0; i < ncpus; i++) {
		ssize_t n;

		if (cpu_fds[i] < 0)
			continue;
		while ((n = read(cpu_fds[i], page, page_size)) > 0)
			page_parse((const uint8_t *)page, n, cpu_ids[i]);
	}
}

static void *reader_main(void *arg)
{
	struct pollfd pfd = { .fd = stop_pipe[0], .events = POLLIN };
	char tid[16];

	(void)arg;
	ctrail_tls.state = TLS_GONE;
	pthread_setname_np(pthread_self(), "ctrail-sched");
	/* our own wakeups are noise: ask the kernel to leave this thread out
	 * where it can (set_event_notrace_pid, Linux 5.10+) */
	snprintf(tid, sizeof(tid), "%d", (int)gettid());
	put_file("set_event_notrace_pid", tid);
	for (;;) {
		int r = poll(&pfd, 1, READ_INTERVAL_MS);

		if (r > 0 || (r < 0 && errno != EINTR))
			return NULL;
		pthread_mutex_lock(&sched_lock);
		drain();
		pthread_mutex_unlock(&sched_lock);
	}
}

/* Async-signal-safe (on_fatal): closes, and leaves the table in place
 * for a later start to refill from its first entry. */
static void close_buffers(void)
{
	for (uint32_t i = 0; i < ncpus; i++)
		if (cpu_fds[i] >= 0) {
			close(cpu_fds[i]);
			cpu_fds[i] = -1;
		}
}

/* The fatal-signal path: only async-signal-safe calls. */
static void on_fatal(int sig)
{
	if (getpid() == owner) {
		close_buffers();
		rmdir(instance);
		rmdir(switches);
		probes_remove();
	}
	raise(sig); /* the action is back to the default (SA_RESETHAND) */
}

static void fatal_handlers_install(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGABRT,
				    SIGBUS, SIGFPE, SIGSEGV, SIGTERM };
	struct sigaction sa = { .sa_handler = on_fatal, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler == SIG_DFL &&
		    !(old.sa_flags & SA_SIGINFO))
			sigaction(sigs[i], &sa, NULL);
	}
}

/* Stops the reader, takes the last events, and removes the instance.  The
 * ring stays, so a snapshot written later at exit still has them. */
static void sched_stop(void)
{
	if (getpid() != owner)
		return;
	if (reader_running) {
		ssize_t r = write(stop_pipe[1], "x", 1);
		(void)r;
		pthread_join(reader, NULL);
		reader_running = 0;
		close(stop_pipe[0]);
		close(stop_pipe[1]);
	}
	pthread_mutex_lock(&sched_lock);
	drain();
	close_buffers();
	pthread_mutex_unlock(&sched_lock);
	rmdir(instance);
	rmdir(switches);
	probes_remove();
	owner = 0;
}

/* set_event_pid: every thread we have now; event-fork adds the rest. */
static int pids_set(void)
{
	char text[4096];
	size_t n = 0;
	struct dirent *d;
	DIR *dp = opendir("/proc/self/task");
	int rc;

	if (!dp)
		return -errno;
	while ((d = readdir(dp)) && n < sizeof(text) - 16)
		if (d->d_name[0] != '.')
			n += snprintf(text + n, sizeof(text) - n, "%s ", d->d_name);
	closedir(dp);
	if ((rc = put_file("options/event-fork", "1")))
		return rc;
	return put_file("set_event_pid", text);
}

/* Opens the per-CPU buffers of an instance, after those already open. */
static int buffers_open(const char *instance_dir)
{
	char dir[PATH_MAX + 32], path[PATH_MAX + 320];
	struct dirent *d;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/per_cpu", instance_dir);
	if (!(dp = opendir(dir)))
		return -errno;
	while ((d = readdir(dp))) {
		int fd;

		if (strncmp(d->d_name, "cpu", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s/trace_pipe_raw", dir, d->d_name);
		if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
			continue;
		if (ncpus == cpu_cap) {
			cpu_cap = cpu_cap ? 2 * cpu_cap : 16;
			cpu_fds = realloc(cpu_fds, cpu_cap * sizeof(int));
			cpu_ids = realloc(cpu_ids, cpu_cap * sizeof(int));
			if (!cpu_fds || !cpu_ids)
				abort(); /* setup-time, tiny */
		}
		cpu_fds[ncpus] = fd;
		cpu_ids[ncpus++] = atoi(d->d_name + 3);
	}
	closedir(dp);
	return ncpus ? 0 : -ENOENT;
}

/* The page size the kernel hands out: buffer_subbuf_size_kb where the
 * kernel has it (6.8+), else the system page. */
static void page_size_find(void)
{
	char path[PATH_MAX + 32], text[32];

	snprintf(path, sizeof(path), "%s/buffer_subbuf_size_kb", instance);
	page_size = get_file(path, text, sizeof(text)) > 0 ? strtoul(text, NULL, 10) << 10 : 0;
	if (page_size < (size_t)getpagesize())
		page_size = getpagesize();
}

/* The instance of every sched_switch, next to ours. */
static int switches_setup(void)
{
	int rc;

	snprintf(switches, sizeof(switches), "%s.switches", instance);
	if (mkdir(switches, 0700))
		return -errno;
	if ((rc = put_file_in(switches, "trace_clock", "x86-tsc")) ||
	    (rc = put_file_in(switches, "buffer_size_kb", BUFFER_KB)))
		return rc;
	return put_file_in(switches, "events/sched/sched_switch/enable", "1");
}

/* The switches instance first: making an instance directory takes tens
 * of ms (its events/ tree), and our own events must not begin before the
 * switches around them do. */
static int instance_setup(const char *root)
{
	int rc;

	if ((rc = switches_setup()) ||
	    (rc = put_file("trace_clock", "x86-tsc")) ||
	    (rc = put_file("buffer_size_kb", BUFFER_KB)) ||
	    (rc = pids_set()) || (rc = header_page_load(root)) ||
	    (rc = probes_setup(root, instance)))
		return rc;
	for (int t = 1; t < CTR_SCHED_TYPES; t++)
		if ((rc = format_load(&formats[t])))
			return rc;
	for (int t = 1; t < CTR_SCHED_TYPES; t++) {
		char name[128];

		if (t == CTR_SCHED_SWITCH)
			continue; /* in the switches instance */
		snprintf(name, sizeof(name), "events/%s/enable", formats[t].path);
		if ((rc = put_file(name, "1")))
			return rc;
	}
	page_size_find();
	if (!(page = malloc(page_size)))
		return -ENOMEM;
	if ((rc = buffers_open(instance)))
		return rc;
	ncpus_read = ncpus;
	return buffers_open(switches);
}

static int reader_start(void)
{
	sigset_t all, prev;
	int rc;

	if (!real_pthread_create)
		return -ENOSYS;
	if (pipe2(stop_pipe, O_CLOEXEC))
		return -errno;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &prev);
	rc = real_pthread_create(&reader, NULL, reader_main, NULL);
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	if (rc) {
		close(stop_pipe[0]);
		close(stop_pipe[1]);
		return -rc;
	}
	reader_running = 1;
	return 0;
}

/* Fork: hold the lock across it, so the child's copy is not held by the
 * reader; the child has no reader and does not own the instance. */
static void fork_prepare(void) { pthread_mutex_lock(&sched_lock); }
static void fork_parent(void) { pthread_mutex_unlock(&sched_lock); }

static void fork_child(void)
{
	pthread_mutex_init(&sched_lock, NULL);
	close_buffers();
	reader_running = 0;
	ring_written = 0;
}

static int start_locked(const char **what)
{
	char root[ROOT_MAX];
	int rc;

	*what = "no tracefs at";
	if ((rc = tracefs_root(config.tracefs, root, sizeof(root)))) {
		snprintf(instance, sizeof(instance), "%s", root);
		return rc;
	}
	tracefs_stale_remove(root);
	snprintf(instance, sizeof(instance), "%s/instances/ctrail-%d", root, (int)getpid());
	*what = "cannot create";
	if (mkdir(instance, 0700))
		return -errno;
	owner = getpid();
	*what = "cannot set up";
	ring_cap = config.sched_events;
	ncpus = 0; /* buffers of a previous start (a forked child's) are closed */
	if (!ring && !(ring = calloc(ring_cap, sizeof(*ring))))
		rc = -ENOMEM;
	if (!rc)
		rc = instance_setup(root);
	if (!rc)
		rc = reader_start();
	if (rc) {
		close_buffers();
		rmdir(instance);
		rmdir(switches);
		probes_remove();
		owner = 0;
		return rc;
	}
	if (!hooks_installed) {
		hooks_installed = 1;
		atexit(sched_stop);
		pthread_atfork(fork_prepare, fork_parent, fork_child);
	}
	fatal_handlers_install();
	return 0;
}

int sched_start(int warn)
{
	const char *what = "";
	int rc = 0;

	pthread_mutex_lock(&start_lock);
	if (!owner || owner != getpid())
		rc = start_locked(&what);
	pthread_mutex_unlock(&start_lock);
	if (rc && warn && rc != -ECANCELED) /* probes_setup said why */
		fprintf(stderr, "ctrail: no scheduling events: %s %s: %s\n", what,
			instance, strerror(-rc));
	return rc;
}

int ctrail_sched_start(void)
{
	runtime_init();
	return sched_start(0);
}

/* A stable merge sort by tsc: the ring holds runs of each CPU's events in
 * time order, and events of one CPU stamped alike must keep their order. */
static int sched_sort(struct ctr_sched_event *e, uint64_t n)
{
	struct ctr_sched_event *tmp = malloc(n * sizeof(*e) + 1);

	if (!tmp)
		return -ENOMEM;
	for (uint64_t width = 1; width < n; width *= 2) {
		for (uint64_t lo = 0; lo < n; lo += 2 * width) {
			uint64_t mid = lo + width < n ? lo + width : n;
			uint64_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			uint64_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				tmp[k++] = e[j].tsc < e[i].tsc ? e[j++] : e[i++];
			while (i < mid)
				tmp[k++] = e[i++];
			while (j < hi)
				tmp[k++] = e[j++];
		}
		memcpy(e, tmp, n * sizeof(*e));
	}
	free(tmp);
	return 0;
}

int sched_copy(uint64_t since, struct ctr_sched *hdr, struct ctr_sched_event **out)
{
	uint64_t first, n = 0;

	*out = NULL;
	if (!ring)
		return 0;
	pthread_mutex_lock(&sched_lock);
	drain();
	first = ring_written > ring_cap ? ring_written - ring_cap : 0;
	*out = malloc((ring_written - first) * sizeof(**out) + 1);
	for (uint64_t i = first; *out && i < ring_written; i++) {
		const struct ctr_sched_event *e = &ring[i % ring_cap];
		if (e->tsc >= since)
			(*out)[n++] = *e;
	}
	memset(hdr, 0, sizeof(*hdr));
	hdr->nevents = n;
	hdr->lost = lost + first;
	hdr->ncpus = ncpus_read;
	pthread_mutex_unlock(&sched_lock);
	if (!*out)
		return -ENOMEM;
	return sched_sort(*out, n);
}

uint64_t sched_kernel_lost(void)
{
	uint64_t n;

	pthread_mutex_lock(&sched_lock);
	n = lost;
	pthread_mutex_unlock(&sched_lock);
	return n;
}
