/* Calls into a linked library and a dlopen'ed one (path in argv[1]),
 * closing the latter before exit. */
#include <dlfcn.h>
#include <stdio.h>
int lib_outer(int x);
int main(int argc, char **argv)
{
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	int (*entry)(int) = (int (*)(int))dlsym(h, "plugin_entry");
	int r = lib_outer(1) + entry(1);
	dlclose(h);
	return r == 8 ? 0 : 1;
}
