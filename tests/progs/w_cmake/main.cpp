// main.cpp - the program of the tiny CMake project of wrappers.sh; prints 42.
#include <cstdio>

extern "C" int lib_twice(int x);

int main()
{
	std::printf("%d\n", lib_twice(21));
	return 0;
}
