/* unwind.c - see unwind.h.  libdwfl drives the walk through the thread
 * callbacks below: get_thread/next_thread hand it the STACK chunks of the
 * snapshot, set_initial_registers the saved registers (DWARF numbering, as
 * the chunk stores them), memory_read the saved bytes; the frames come
 * back one by one to frame_seen.  `current` is the stack being walked,
 * since memory_read is told the session but not the thread. */
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>
#include "unwind.h"

struct unwinder {
	Dwfl *dwfl;
	const struct reader_snapshot *snap;
	int attached;
	size_t next; /* next_thread's position in snap->stacks */
	const struct reader_stack *current;
	uint64_t *pcs;
	size_t n, max;
};

static const struct reader_stack *stack_of(struct unwinder *u, pid_t tid)
{
	for (size_t i = 0; i < u->snap->nstacks; i++)
		if (u->snap->stacks[i].hdr->tid == (uint32_t)tid &&
		    !(u->snap->stacks[i].hdr->flags & CTR_STACK_MISSING))
			return &u->snap->stacks[i];
	return NULL;
}

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	struct unwinder *u = arg;

	while (u->next < u->snap->nstacks) {
		const struct reader_stack *st = &u->snap->stacks[u->next++];
		if (!(st->hdr->flags & CTR_STACK_MISSING)) {
			*thread_arg = (void *)st;
			return st->hdr->tid;
		}
	}
	return 0;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_arg)
{
	const struct reader_stack *st = stack_of(arg, tid);

	*thread_arg = (void *)st;
	return st != NULL;
}

/* 8 bytes at a file address of a module, from a PT_LOAD segment's bytes. */
static bool read_module(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	GElf_Addr bias;
	Elf *elf = mod ? dwfl_module_getelf(mod, &bias) : NULL;
	size_t nphdr, size;
	const char *file = elf ? elf_rawfile(elf, &size) : NULL;

	if (!file || elf_getphdrnum(elf, &nphdr))
		return false;
	addr -= bias;
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD &&
		    addr >= ph.p_vaddr && addr + 8 <= ph.p_vaddr + ph.p_filesz &&
		    ph.p_offset + ph.p_filesz <= size) {
			memcpy(result, file + ph.p_offset + (addr - ph.p_vaddr), 8);
			return true;
		}
	}
	return false;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	const struct reader_stack *st = ((struct unwinder *)arg)->current;

	if (st && addr >= st->hdr->start && addr - st->hdr->start <= st->hdr->size &&
	    st->hdr->size - (addr - st->hdr->start) >= 8) {
		memcpy(result, st->bytes + (addr - st->hdr->start), 8);
		return true;
	}
	return read_module(dwfl, addr, result);
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct reader_stack *st = thread_arg;

	return dwfl_thread_state_registers(thread, 0, CTR_STACK_REGS, st->hdr->regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

struct unwinder *unwinder_new(const struct symbolizer *syms,
			      const struct reader_snapshot *snap)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->snap = snap;
	u->dwfl = symbolizer_session(syms);
	if (!u->dwfl)
		return u;
	u->attached = dwfl_attach_state(u->dwfl, NULL, snap->process->pid,
					&thread_callbacks, u);
	return u;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u);
}

static int frame_seen(Dwfl_Frame *frame, void *arg)
{
	struct unwinder *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (u->n == u->max || !dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	u->pcs[u->n++] = activation ? pc : pc - 1;
	return DWARF_CB_OK;
}

size_t unwinder_frames(struct unwinder *u, const struct reader_stack *st,
		       uint64_t *pcs, size_t max)
{
	if (!u->attached || !st || (st->hdr->flags & CTR_STACK_MISSING))
		return 0;
	u->current = st;
	u->pcs = pcs;
	u->n = 0;
	u->max = max;
	/* an error ends the walk; the frames found before it stand */
	dwfl_getthread_frames(u->dwfl, st->hdr->tid, frame_seen, u);
	u->current = NULL;
	return u->n;
}
