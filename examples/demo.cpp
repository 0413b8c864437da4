// demo.cpp - a small multi-threaded program to look at under ctrail (make demo).
//
// Five named threads do different kinds of work so each has its own shape
// on the timeline:
//   parser    parses "key=value" lines; a bad line throws an exception that
//             is caught two frames up (the trace shows the frames unwound);
//   hasher    FNV-1a hashes of blocks of bytes, with a little recursion;
//   counter-1, counter-2  take turns on one mutex (short critical sections);
//   sleeper   sleeps a few milliseconds at a time.
// Built with build/bin/ctrail-c++; run with CTRAIL_WRITE_AT_EXIT=1 it writes
// a .ctr snapshot of every thread when it exits.
#include <pthread.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

// Small functions like these are inlined at -O2 and then, in the after-
// inlining and fentry modes, leave no trace of their own; noinline keeps
// them as separate slices on the timeline, as bigger functions would be.
#define SLICE __attribute__((noinline))

namespace {

// Names the calling thread; the name is what the timeline shows.
void name_thread(const char *name)
{
	pthread_setname_np(pthread_self(), name);
}

// ---- parser ----------------------------------------------------------

struct Entry {
	std::string key;
	long value;
};

SLICE long parse_number(const std::string &text)
{
	size_t used = 0;
	long v = std::stol(text, &used);
	if (used != text.size())
		throw std::invalid_argument("not a number: " + text);
	return v;
}

SLICE Entry parse_line(const std::string &line)
{
	size_t eq = line.find('=');
	if (eq == std::string::npos)
		throw std::invalid_argument("no '=' in: " + line);
	return Entry{line.substr(0, eq), parse_number(line.substr(eq + 1))};
}

// Parses every line, skipping (and counting) the bad ones: the exceptions
// thrown in parse_line / parse_number are caught here.
SLICE long parse_all(const std::vector<std::string> &lines, int *bad)
{
	long sum = 0;
	for (const std::string &line : lines) {
		try {
			sum += parse_line(line).value;
		} catch (const std::invalid_argument &) {
			++*bad;
		}
	}
	return sum;
}

void parser()
{
	name_thread("parser");
	std::vector<std::string> lines;
	for (int i = 0; i < 200; i++)
		lines.push_back("k" + std::to_string(i) + "=" + std::to_string(i * 3));
	lines[50] = "broken line";
	lines[150] = "k150=12x";
	int bad = 0;
	long sum = parse_all(lines, &bad);
	std::printf("parser:  sum %ld, %d bad lines\n", sum, bad);
}

// ---- hasher ----------------------------------------------------------

SLICE uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

// Hashes the two halves and combines them, down to blocks of 256 bytes.
uint64_t tree_hash(const unsigned char *p, size_t n)
{
	if (n <= 256)
		return fnv1a(p, n);
	uint64_t left = tree_hash(p, n / 2);
	uint64_t right = tree_hash(p + n / 2, n - n / 2);
	return left * 31 + right;
}

void hasher()
{
	name_thread("hasher");
	std::vector<unsigned char> data(1 << 16);
	for (size_t i = 0; i < data.size(); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	uint64_t h = 0;
	for (int round = 0; round < 8; round++)
		h = h * 31 + tree_hash(data.data() + round, data.size() - round);
	std::printf("hasher:  %016llx\n", (unsigned long long)h);
}

// ---- counters --------------------------------------------------------

std::mutex counter_lock;
long shared_counter;

SLICE void add_under_lock(long n)
{
	std::lock_guard<std::mutex> hold(counter_lock);
	shared_counter += n;
}

void counter(const char *name)
{
	name_thread(name);
	for (int i = 0; i < 2000; i++)
		add_under_lock(i % 3);
}

// ---- sleeper ---------------------------------------------------------

SLICE void nap(int ms)
{
	std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void sleeper()
{
	name_thread("sleeper");
	for (int i = 1; i <= 4; i++)
		nap(2 * i);
}

} // namespace

int main()
{
	name_thread("main");
	std::vector<std::thread> workers;
	workers.emplace_back(parser);
	workers.emplace_back(hasher);
	workers.emplace_back(counter, "counter-1");
	workers.emplace_back(counter, "counter-2");
	workers.emplace_back(sleeper);
	for (std::thread &t : workers)
		t.join();
	std::printf("counter: %ld\n", shared_counter);
	return 0;
}
