/* p_traced.c - built with ctrail-cc, calls a library built without it
 * (p_lib.c) from a traced function: with CTRAIL_PROBES=libp_lib:p_lib_*
 * the library's calls nest inside caller().  With an argument N it
 * loops (N seconds) for `ctrail attach`. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int p_lib_outer(int x);

__attribute__((noinline)) int caller(int x)
{
	return p_lib_outer(x);
}

int main(int argc, char **argv)
{
	int sum = caller(1) + caller(2);

	if (argc > 1) {
		time_t end = time(NULL) + atoi(argv[1]);
		while (time(NULL) < end) {
			sum += caller(3);
			usleep(1000);
		}
	}
	printf("%d\n", sum);
	return 0;
}
