/* Calls into a linked shared library, then into a dlopen'ed one (argv[1])
 * which is closed before the snapshot is written at exit. */
#include <dlfcn.h>
int lib_outer(int x);
int main(int argc, char **argv)
{
	void *plugin = dlopen(argv[1], RTLD_NOW);
	int (*entry)(int) = plugin ? (int (*)(int))dlsym(plugin, "plugin_entry") : 0;
	int r = lib_outer(1);

	if (!entry)
		return 2;
	r += entry(2);
	dlclose(plugin);
	return r == 10 ? 0 : 1;
}
