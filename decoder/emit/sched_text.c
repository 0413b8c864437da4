/* sched_text.c - see sched_text.h.  Field meanings per type are in
 * format/ctr.h; the texts follow each tracepoint's "print fmt". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "reader.h"
#include "sched_text.h"

const char *sched_text_comm(const char comm[16], char out[17])
{
	size_t n = strnlen(comm, 16);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = comm[i];
		out[i] = c == ' ' || c == '=' ? '_' :
			 c > ' ' && c < 0x7f && c != '"' && c != '\\' ? c : '?';
	}
	out[n] = 0;
	return n ? out : "<...>";
}

const char *sched_text_state(uint32_t state, char *out)
{
	static const char letters[] = "SDTtXZPI";
	size_t n = 0;

	for (int bit = 0; bit < 8; bit++)
		if (state & (1u << bit)) {
			if (n)
				out[n++] = '|';
			out[n++] = letters[bit];
		}
	if (!n)
		out[n++] = 'R';
	if (state & CTR_SCHED_PREEMPTED)
		out[n++] = '+';
	out[n] = 0;
	return out;
}

void sched_text_flags(const struct ctr_sched_event *e, char out[5])
{
	static const char hex[] = "0123456789abcdef";
	int hard = e->irq_flags & 0x08, soft = e->irq_flags & 0x10;

	out[0] = e->irq_flags & 0x01 ? 'd' : '.';
	out[1] = e->irq_flags & 0x04 ? 'N' : '.';
	out[2] = hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.';
	out[3] = e->preempt & 15 ? hex[e->preempt & 15] : '.';
	out[4] = 0;
}

size_t sched_text_args(const struct ctr_sched_event *e, char *out)
{
	char a[17], b[17], state[64];
	int n = 0;

	switch (e->type) {
	case CTR_SCHED_SWITCH:
		n = snprintf(out, SCHED_TEXT_MAX,
			     "prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s ==> "
			     "next_comm=%s next_pid=%d next_prio=%d",
			     sched_text_comm(e->comm, a), e->pid, e->prio,
			     sched_text_state(e->state, state),
			     sched_text_comm(e->next_comm, b), e->next_pid, e->next_prio);
		break;
	case CTR_SCHED_WAKING:
	case CTR_SCHED_WAKEUP_NEW:
		n = snprintf(out, SCHED_TEXT_MAX, "comm=%s pid=%d prio=%d target_cpu=%03u",
			     sched_text_comm(e->comm, a), e->pid, e->prio, e->state);
		break;
	case CTR_SCHED_PROCESS_EXIT:
		n = snprintf(out, SCHED_TEXT_MAX, "comm=%s pid=%d prio=%d",
			     sched_text_comm(e->comm, a), e->pid, e->prio);
		break;
	case CTR_SCHED_NEWTASK:
		n = snprintf(out, SCHED_TEXT_MAX, "pid=%d comm=%s clone_flags=%x",
			     e->pid, sched_text_comm(e->comm, a), e->state);
		break;
	case CTR_SCHED_RENAME:
		n = snprintf(out, SCHED_TEXT_MAX, "pid=%d oldcomm=%s newcomm=%s",
			     e->pid, sched_text_comm(e->next_comm, b),
			     sched_text_comm(e->comm, a));
		break;
	default:
		out[0] = 0;
	}
	return n;
}

#define CLONE_THREAD_FLAG 0x10000 /* CLONE_THREAD, <linux/sched.h> */

static int tid_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int sched_task_is_ours(const int32_t *tids, size_t n, int32_t tid)
{
	return bsearch(&tid, tids, n, sizeof(*tids), tid_cmp) != NULL;
}

/* The process and its threads first; then, in time order, threads a task
 * of ours made (a creator is ours by the time it creates). */
int32_t *sched_our_tasks(const struct reader_snapshot *snap, size_t *n)
{
	size_t cap = snap->nthreads + 1, k = 0;
	int32_t *tids;

	*n = 0;
	for (size_t i = 0; i < snap->nsched; i++)
		cap += snap->sched[i].type == CTR_SCHED_NEWTASK;
	if (!(tids = malloc(cap * sizeof(*tids))))
		return NULL;
	tids[k++] = snap->process->pid;
	for (size_t i = 0; i < snap->nthreads; i++)
		tids[k++] = snap->threads[i].hdr->tid;
	qsort(tids, k, sizeof(*tids), tid_cmp);
	for (size_t i = 0; i < snap->nsched; i++) {
		const struct ctr_sched_event *e = &snap->sched[i];

		if (e->type != CTR_SCHED_NEWTASK || !(e->state & CLONE_THREAD_FLAG) ||
		    !sched_task_is_ours(tids, k, e->common_pid) ||
		    sched_task_is_ours(tids, k, e->pid))
			continue;
		tids[k++] = e->pid;
		qsort(tids, k, sizeof(*tids), tid_cmp);
	}
	*n = k;
	return tids;
}

/* The tasks some switch names (sorted, unique) and whether each is on a
 * CPU now. */
struct oncpu {
	int32_t *tids;
	uint8_t *on;
	size_t n;
};

static uint8_t *oncpu_of(struct oncpu *s, int32_t tid)
{
	int32_t *p = bsearch(&tid, s->tids, s->n, sizeof(*s->tids), tid_cmp);

	return p ? &s->on[p - s->tids] : NULL;
}

/* The tasks, each on a CPU at the start if its first switch is out. */
static int oncpu_init(struct oncpu *s, const struct reader_snapshot *snap)
{
	size_t k = 0;

	s->n = 0;
	s->on = NULL;
	if (!(s->tids = malloc((2 * snap->nsched + 1) * sizeof(*s->tids))))
		return -ENOMEM;
	for (size_t i = 0; i < snap->nsched; i++)
		if (snap->sched[i].type == CTR_SCHED_SWITCH) {
			s->tids[k++] = snap->sched[i].pid;
			s->tids[k++] = snap->sched[i].next_pid;
		}
	qsort(s->tids, k, sizeof(*s->tids), tid_cmp);
	for (size_t i = 0; i < k; i++)
		if (s->n == 0 || s->tids[s->n - 1] != s->tids[i])
			s->tids[s->n++] = s->tids[i];
	if (!(s->on = calloc(s->n + 1, 1)))
		return -ENOMEM;
	for (size_t i = 0; i < snap->nsched; i++) { /* 2: seen */
		const struct ctr_sched_event *e = &snap->sched[i];
		uint8_t *prev, *next;

		if (e->type != CTR_SCHED_SWITCH)
			continue;
		prev = oncpu_of(s, e->pid);
		next = oncpu_of(s, e->next_pid);
		if (!*prev)
			*prev = 2 | 1;
		if (!*next)
			*next = 2;
	}
	for (size_t i = 0; i < s->n; i++)
		s->on[i] &= 1;
	return 0;
}

uint8_t *sched_wakeups_on_cpu(const struct reader_snapshot *snap)
{
	uint8_t *skip = calloc(snap->nsched + 1, 1), *on;
	struct oncpu s = { 0 };

	if (!skip || oncpu_init(&s, snap)) {
		free(skip);
		free(s.tids);
		free(s.on);
		return NULL;
	}
	for (size_t i = 0; i < snap->nsched; i++) {
		const struct ctr_sched_event *e = &snap->sched[i];

		if (e->type == CTR_SCHED_SWITCH) {
			*oncpu_of(&s, e->pid) = 0;
			*oncpu_of(&s, e->next_pid) = 1;
		} else if (e->type == CTR_SCHED_WAKING && e->pid &&
			   (on = oncpu_of(&s, e->pid))) {
			skip[i] = *on;
		}
	}
	free(s.tids);
	free(s.on);
	return skip;
}
