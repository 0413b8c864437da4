/* lib.c - the shared library of the tiny CMake project of wrappers.sh. */
int lib_twice(int x)
{
	return 2 * x;
}
