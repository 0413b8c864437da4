// C++20 coroutines (g++ 12 -std=c++20): a generator of three values and a
// task awaiting two others, one of which suspends until main resumes it.
// The coroutine types' own members are left untraced (CTRAIL_NO_TRACE),
// so the trace holds the program's functions and coroutine bodies only.
#include <coroutine>
#include <exception>
#include "ctrail.h"
#define NOINLINE __attribute__((noinline))
#define NT CTRAIL_NO_TRACE

struct generator {
	struct promise_type {
		int value = 0;
		NT generator get_return_object() { return generator{ handle::from_promise(*this) }; }
		NT std::suspend_always initial_suspend() noexcept { return {}; }
		NT std::suspend_always final_suspend() noexcept { return {}; }
		NT std::suspend_always yield_value(int v) { value = v; return {}; }
		NT void return_void() {}
		NT void unhandled_exception() { std::terminate(); }
	};
	using handle = std::coroutine_handle<promise_type>;
	handle h;
	NT explicit generator(handle h) : h(h) {}
	NT ~generator() { h.destroy(); }
	NT bool next() { h.resume(); return !h.done(); }
	NT int value() const { return h.promise().value; }
};

struct task {
	struct promise_type {
		int value = 0;
		std::coroutine_handle<> waiter;
		NT task get_return_object() { return task{ handle::from_promise(*this) }; }
		NT std::suspend_always initial_suspend() noexcept { return {}; }
		struct final_awaiter {
			NT bool await_ready() noexcept { return false; }
			NT std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
				auto w = h.promise().waiter;
				return w ? w : std::noop_coroutine();
			}
			NT void await_resume() noexcept {}
		};
		NT final_awaiter final_suspend() noexcept { return {}; }
		NT void return_value(int v) { value = v; }
		NT void unhandled_exception() { std::terminate(); }
	};
	using handle = std::coroutine_handle<promise_type>;
	handle h;
	NT explicit task(handle h) : h(h) {}
	NT ~task() { h.destroy(); }
	NT bool await_ready() { return false; }
	NT std::coroutine_handle<> await_suspend(std::coroutine_handle<> w) {
		h.promise().waiter = w;
		return h;
	}
	NT int await_resume() { return h.promise().value; }
};

// Suspends the awaiting coroutine until main resumes it.
static std::coroutine_handle<> parked;
struct park {
	NT bool await_ready() { return false; }
	NT void await_suspend(std::coroutine_handle<> h) { parked = h; }
	NT void await_resume() {}
};

volatile int sink;
NOINLINE void use(int v) { sink = sink + v; }
NOINLINE int twice(int v) { return 2 * v; }

generator count(int n)
{
	for (int i = 0; i < n; i++)
		co_yield twice(i);
}

NOINLINE void consume()
{
	generator g = count(3);
	while (g.next())
		use(g.value());
}

task leaf(int v)
{
	co_return twice(v);
}

task waits(int v)
{
	co_await park{};
	co_return v + 1;
}

task compute()
{
	int a = co_await leaf(1);
	int b = co_await waits(a);
	use(b);
	co_return a + b;
}

NOINLINE void run_task()
{
	task t = compute();
	t.h.resume();     // runs until waits() parks
	parked.resume();  // the rest, to the end
	use(t.h.promise().value);
}

int main()
{
	consume();
	run_task();
	return 0;
}
