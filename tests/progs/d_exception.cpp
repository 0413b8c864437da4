// An exception thrown three frames below the function that catches it.
#include <stdexcept>
#define NOINLINE __attribute__((noinline))
NOINLINE void thrower(int x) { if (x > 0) throw std::runtime_error("boom"); }
NOINLINE void middle(int x) { thrower(x); }
NOINLINE void upper(int x) { middle(x); }
NOINLINE int catcher(int x)
{
	try {
		upper(x);
	} catch (const std::exception &) {
		return 1;
	}
	return 0;
}
volatile int sink;
NOINLINE int after(int x) { sink = x; return x; }
int main() { return catcher(1) + after(0) == 1 ? 0 : 1; }
