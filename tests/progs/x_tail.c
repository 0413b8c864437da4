/* XRay mode: a constructor (traced before main), a function leaving through
 * a tail call (at -O2 its exit sled is a TAIL one), and patching at run
 * time: with an argument, main patches the sleds itself, as a program run
 * with CTRAIL_XRAY_PATCH=0 may. */
#define NOINLINE __attribute__((noinline))
int __xray_patch(void); /* <xray/xray_interface.h> is C++ only */
volatile int sink;
NOINLINE int callee(int x) { sink = x; return x + 1; }
NOINLINE int tailer(int x) { sink = x; return callee(x + 1); }
NOINLINE __attribute__((constructor)) void setup(void) { sink = 1; }
int main(int argc, char **argv)
{
	if (argc > 1)
		__xray_patch();
	return tailer(1) == 3 ? 0 : 1;
}
