/* A minimal fiber scheduler switching stacks by hand (as Boost.Context
 * does), telling ctrail at each switch with ctrail_fiber_switch: three
 * fibers of ROUNDS steps each, run round robin from the thread's stack. */
#include <stdint.h>
#include "ctrail.h"
#define NOINLINE __attribute__((noinline))
#define ROUNDS 3
#define NFIBERS 3

/* fiber_jump(save, to): saves the callee-saved registers and the stack
 * pointer into *save, then resumes the stack `to`. */
__asm__(".text\n.globl fiber_jump\n.type fiber_jump,@function\nfiber_jump:\n"
	"pushq %rbp\npushq %rbx\npushq %r12\npushq %r13\npushq %r14\npushq %r15\n"
	"movq %rsp, (%rdi)\nmovq %rsi, %rsp\n"
	"popq %r15\npopq %r14\npopq %r13\npopq %r12\npopq %rbx\npopq %rbp\nret\n"
	".size fiber_jump, .-fiber_jump\n");
void fiber_jump(void **save, void *to);

struct fiber {
	void *sp;
	uint64_t id;
	const char *name;
	int arg, done;
	_Alignas(16) char stack[64 << 10];
};
static struct fiber fibers[NFIBERS];
static struct fiber *cur;
static void *sched_sp;
volatile int sink;

NOINLINE void task_step(int k) { sink += k; }
NOINLINE void yield(void)
{
	ctrail_fiber_switch(0, NULL);
	fiber_jump(&cur->sp, sched_sp);
}
NOINLINE void worker(int k)
{
	for (int r = 0; r < ROUNDS; r++) {
		task_step(k);
		yield();
	}
}
CTRAIL_NO_TRACE static void fiber_entry(void)
{
	worker(cur->arg);
	cur->done = 1;
	ctrail_fiber_switch(0, NULL);
	fiber_jump(&cur->sp, sched_sp);
}
CTRAIL_NO_TRACE static void fiber_init(struct fiber *f, uint64_t id, const char *name)
{
	void **top = (void **)(f->stack + sizeof(f->stack) - 16);

	f->id = id;
	f->name = name;
	f->arg = (int)id;
	top[0] = (void *)fiber_entry; /* ret's target, 16-byte aligned slot */
	for (int i = 1; i <= 6; i++)
		top[-i] = 0;      /* the six registers fiber_jump pops */
	f->sp = top - 6;
}
NOINLINE void schedule(void)
{
	for (int live = NFIBERS; live;) {
		live = 0;
		for (int i = 0; i < NFIBERS; i++) {
			if (fibers[i].done)
				continue;
			cur = &fibers[i];
			ctrail_fiber_switch(cur->id, cur->name);
			fiber_jump(&sched_sp, cur->sp);
			live += !fibers[i].done;
		}
	}
}
int main(void)
{
	fiber_init(&fibers[0], 1, "fiber-a");
	fiber_init(&fibers[1], 2, "fiber-b");
	fiber_init(&fibers[2], 3, "fiber-c");
	schedule();
	return 0;
}
