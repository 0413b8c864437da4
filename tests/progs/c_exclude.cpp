// c_exclude.cpp - functions for ctrail-cc --exclude-file (tests/e2e/count.sh):
// listing ns::skip(int) and skip_too must leave them out of the trace while
// ns::leaf, which they call, and the other overload ns::skip(double) stay.
namespace ns {
__attribute__((noinline)) int leaf(int x) { return x + 1; }
__attribute__((noinline)) int skip(int x) { return leaf(x) * 2; }
__attribute__((noinline)) int skip(double x) { return leaf((int)x) + 1; }
}

extern "C" __attribute__((noinline)) int skip_too(int x)
{
	return ns::leaf(x) + ns::skip(x);
}

__attribute__((noinline)) int keep(int x)
{
	return skip_too(x) + ns::skip(2.0);
}

int main()
{
	return keep(1) == 2 + 4 + 4 ? 0 : 1;
}
