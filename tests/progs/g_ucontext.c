/* N ucontext coroutines (argv[1], at most 10) ping-ponging: each runs
 * ROUNDS steps, switching to the next after each; main starts the first,
 * and resumes the others once the first has returned (uc_link). */
#include <stdlib.h>
#include <ucontext.h>
#define NOINLINE __attribute__((noinline))
#define ROUNDS 3
#define MAX 10
static ucontext_t main_uc, uc[MAX];
static char stacks[MAX][64 << 10];
static int n;
volatile int sink;
NOINLINE void step(int i) { sink += i; }
NOINLINE void coro(int i)
{
	for (int r = 0; r < ROUNDS; r++) {
		step(i);
		swapcontext(&uc[i], &uc[(i + 1) % n]);
	}
}
int main(int argc, char **argv)
{
	n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2;
	if (n < 1 || n > MAX)
		return 2;
	for (int i = 0; i < n; i++) {
		getcontext(&uc[i]);
		uc[i].uc_stack.ss_sp = stacks[i];
		uc[i].uc_stack.ss_size = sizeof(stacks[i]);
		uc[i].uc_link = &main_uc;
		makecontext(&uc[i], (void (*)(void))coro, 1, i);
	}
	swapcontext(&main_uc, &uc[0]);
	for (int i = 1; i < n; i++)
		swapcontext(&main_uc, &uc[i]);
	return 0;
}
