/* flows.c - keeping the slowest occurrences of named flows (a request, an
 * event handler) as snapshots of just their time window.
 *
 * Each flow keeps up to `keep` snapshots in an array sorted slowest first,
 * and a threshold: the duration an occurrence must exceed to get in (0
 * until the array is full, then the fastest kept one's).  ctrail_flow_end
 * reads the clock and compares with the threshold without a lock, so an
 * occurrence that is not kept costs two clock reads (its start and end)
 * and a comparison.  A candidate is copied first, then inserted under
 * flows_lock after checking again, since another thread may have raised
 * the threshold meanwhile.  All flows live on one list for writing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctrail.h"
#include "runtime.h"

struct ctrail_flow {
	struct ctrail_flow *next;
	char *name;
	unsigned keep, flags;
	uint64_t threshold;
	struct ctrail_snapshot **kept; /* nkept of them, slowest first */
	unsigned nkept;
};

static pthread_mutex_t flows_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ctrail_flow *flows;
static size_t flows_total; /* snapshots kept by all flows */

static void write_flows_at_exit(void)
{
	int rc;

	ctr_file_exit_wait();
	/* -ECANCELED: exit gave up on a snapshot and said so */
	if ((rc = ctrail_flows_write(NULL)) && rc != -ECANCELED)
		fprintf(stderr, "ctrail: cannot write kept flows to %s: %s\n",
			config.output, strerror(-rc));
}

struct ctrail_flow *ctrail_flow_new(const char *name, unsigned keep, unsigned flags)
{
	static int exit_hook;
	struct ctrail_flow *f;

	if (!name || keep == 0 || (flags & ~CTRAIL_FLOW_ALL_THREADS)) {
		errno = EINVAL;
		return NULL;
	}
	runtime_init();
	f = calloc(1, sizeof(*f));
	if (!f || !(f->name = strdup(name)) || !(f->kept = calloc(keep, sizeof(*f->kept)))) {
		if (f)
			free(f->name);
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	f->keep = keep;
	f->flags = flags;
	pthread_mutex_lock(&flows_lock);
	f->next = flows;
	flows = f;
	/* with CTRAIL_WRITE_AT_EXIT the exit snapshot carries the flows */
	if (!exit_hook && !config.write_at_exit)
		atexit(write_flows_at_exit);
	exit_hook = 1;
	pthread_mutex_unlock(&flows_lock);
	return f;
}

/* Puts s in its place among f's kept snapshots; returns the one pushed
 * out (or s itself if it no longer qualifies), NULL if none.  Called with
 * flows_lock held. */
static struct ctrail_snapshot *flow_insert(struct ctrail_flow *f, struct ctrail_snapshot *s)
{
	uint64_t d = snapshot_duration(s);
	struct ctrail_snapshot *out = NULL;
	unsigned i;

	if (f->nkept == f->keep) {
		if (d <= snapshot_duration(f->kept[f->keep - 1]))
			return s;
		out = f->kept[--f->nkept];
		flows_total--;
	}
	for (i = f->nkept; i > 0 && snapshot_duration(f->kept[i - 1]) < d; i--)
		f->kept[i] = f->kept[i - 1];
	f->kept[i] = s;
	f->nkept++;
	flows_total++;
	for (i = 0; i < f->nkept; i++)
		snapshot_rank(f->kept[i], i + 1);
	if (f->nkept == f->keep)
		__atomic_store_n(&f->threshold, snapshot_duration(f->kept[f->keep - 1]),
				 __ATOMIC_RELAXED);
	return out;
}

int ctrail_flow_end(struct ctrail_flow *f, uint64_t start)
{
	uint64_t d = ctrail_now() - start;
	struct ctrail_snapshot *s, *out;
	int rc;

	if (d <= __atomic_load_n(&f->threshold, __ATOMIC_RELAXED))
		return 0;
	s = snapshot_take(start, !(f->flags & CTRAIL_FLOW_ALL_THREADS), 0);
	if (!s)
		return -errno;
	if ((rc = snapshot_name(s, f->name, CTR_REASON_FLOW, d))) {
		ctrail_snapshot_free(s);
		return rc;
	}
	pthread_mutex_lock(&flows_lock);
	out = flow_insert(f, s);
	pthread_mutex_unlock(&flows_lock);
	ctrail_snapshot_free(out);
	return out != s;
}

struct ctrail_snapshot **flows_hold(struct ctrail_snapshot *first, size_t *n)
{
	struct ctrail_snapshot **list;

	pthread_mutex_lock(&flows_lock);
	list = malloc((flows_total + 1) * sizeof(*list));
	*n = 0;
	if (!list) {
		pthread_mutex_unlock(&flows_lock);
		return NULL;
	}
	if (first)
		list[(*n)++] = first;
	for (struct ctrail_flow *f = flows; f; f = f->next)
		for (unsigned i = 0; i < f->nkept; i++)
			list[(*n)++] = f->kept[i];
	return list;
}

void flows_release(struct ctrail_snapshot **list)
{
	if (!list)
		return;
	free(list);
	pthread_mutex_unlock(&flows_lock);
}

int ctrail_flows_write(const char *path)
{
	size_t n;
	struct ctrail_snapshot **list = flows_hold(NULL, &n);
	int rc = !list ? -ENOMEM : n ? snapshots_write(path, list, n) : 0;

	flows_release(list);
	return rc;
}
