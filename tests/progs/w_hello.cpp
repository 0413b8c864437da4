// w_hello.cpp - C++ program for tests/e2e/wrappers.sh: a class, a string and
// an exception thrown through a frame and caught; prints "caught 3 hello".
#include <iostream>
#include <stdexcept>
#include <string>

namespace {

struct Greeter {
	std::string word;
	std::string greet() const { return word; }
};

__attribute__((noinline)) void fail_with(int n)
{
	throw std::runtime_error(std::to_string(n));
}

__attribute__((noinline)) void middle(int n)
{
	fail_with(n);
}

} // namespace

int main()
{
	Greeter g{"hello"};
	try {
		middle(3);
	} catch (const std::exception &e) {
		std::cout << "caught " << e.what() << " " << g.greet() << "\n";
	}
	return 0;
}
