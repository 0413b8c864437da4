/* c_threads.c - exact call counts (tests/e2e/count.sh): 4 threads call hot()
 * 1,000,000 times each, main calls lib_hot() in c_lib.so 1000 times and
 * plugin_entry(500) in the library named by argv[1] (dlopen'ed), which
 * calls plugin_leaf() 500 times. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define THREADS 4
#define CALLS 1000000

int lib_hot(int x);

__attribute__((noinline)) int hot(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

static void *worker(void *arg)
{
	int s = 0;

	for (int i = 0; i < CALLS; i++)
		s = hot(s);
	return (void *)(long)s;
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	int s = 0;

	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 1000; i++)
		s = lib_hot(s);
	void *h = argc > 1 ? dlopen(argv[1], RTLD_NOW) : NULL;
	int (*entry)(int) = h ? (int (*)(int))dlsym(h, "plugin_entry") : NULL;
	if (!entry) {
		fprintf(stderr, "c_threads: no plugin: %s\n", dlerror());
		return 1;
	}
	s += entry(500);
	dlclose(h);
	return s == 1000 + 500 ? 0 : 2;
}
