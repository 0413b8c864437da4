/* w_dlopen.c - a plain program (built without the wrapper) that dlopens the
 * instrumented library built from w_lib.c, given as argv[1], and prints
 * w_lib(3), 21: the library must bring the runtime with it. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	void *h = argc > 1 ? dlopen(argv[1], RTLD_NOW) : NULL;
	if (!h) {
		fprintf(stderr, "w_dlopen: %s\n", dlerror());
		return 1;
	}
	int (*f)(int) = (int (*)(int))dlsym(h, "w_lib");
	if (!f) {
		fprintf(stderr, "w_dlopen: %s\n", dlerror());
		return 1;
	}
	printf("%d\n", f(3));
	return 0;
}
