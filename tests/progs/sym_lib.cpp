// sym_lib.cpp - a C++ shared library for tests/unit/test_symbols.c: one
// function of each shape the symbolizer must name (namespaced, template,
// method, thunks, a throwing function with a .cold part, a C function with
// a .cold part, a PLT call).  Each *_line variable holds the line of the
// definition that follows it, so the test knows what file:line to expect.
#include <cstdio>
#include <stdexcept>

namespace ns {
extern const int func_line = __LINE__ + 1;
__attribute__((noinline)) int func(int x)
{
	return x * 3 + 1;
}
} // namespace ns

template <typename T> __attribute__((noinline)) T twice(T x)
{
	return x + x;
}
template int twice<int>(int);

struct Widget {
	int method(int x);
	int state = 0;
};

extern const int method_line = __LINE__ + 1;
int Widget::method(int x)
{
	state += x;
	return state;
}

// Multiple inheritance: calling g() through a Right* goes through a
// "non-virtual thunk to Both::g()".
struct Left {
	virtual ~Left() {}
	virtual int f() { return 1; }
};
struct Right {
	virtual ~Right() {}
	virtual int g() { return 2; }
};
struct Both : Left, Right {
	int g() override;
};
int Both::g() { return 3; }

// Virtual inheritance: calling f() through a Left* goes through a
// "virtual thunk to Diamond::f()".
struct Diamond : virtual Left {
	int f() override;
};
int Diamond::f() { return 4; }

extern const int thrower_line = __LINE__ + 1;
__attribute__((noinline)) int thrower(int x)
{
	if (__builtin_expect(x == 12345, 0))
		throw std::runtime_error("thrower: bad x");
	return x - 1;
}

__attribute__((cold, noinline)) static void complain(int x)
{
	std::printf("c_cold: unlikely %d\n", x);
}

extern "C" __attribute__((noinline)) int c_cold(int x)
{
	if (__builtin_expect(x < 0, 0)) {
		complain(x);
		complain(-x);
		return -1;
	}
	return x / 7;
}

extern "C" int sym_lib_call_all(int x)
{
	Both b;
	Right *r = &b;
	Diamond d;
	Left *l = &d;
	Widget w;
	std::puts("sym_lib");
	return ns::func(x) + twice(x) + w.method(x) + r->g() + l->f() + thrower(x) +
	       c_cold(x);
}

// Aliases: one address, several names.  The symbolizer shows the global one
// (c_plain), and between a local and a weak one, the local (c_local).
extern "C" __attribute__((noinline)) int c_plain(int x) { return x ^ 5; }
extern "C" int __c_plain_hidden(int) __attribute__((alias("c_plain"), visibility("hidden")));
extern "C" int c_plain_weak(int) __attribute__((weak, alias("c_plain")));

extern "C" {
__attribute__((noinline, used)) static int c_local(int x) { return x ^ 6; }
}
extern "C" int a_weak(int) __attribute__((weak, alias("c_local")));

// Called only with factor 7: gcc makes a "scaled(int, int) [clone .constprop.0]".
__attribute__((noinline)) static int scaled(int x, int factor) { return x * factor + (x >> 3); }
extern "C" int call_scaled(int x) { return scaled(x, 7) + scaled(x + 1, 7); }
