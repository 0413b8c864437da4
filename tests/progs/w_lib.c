/* w_lib.c - the shared library of tests/e2e/wrappers.sh, built with the
 * wrapper; linked by w_uselib.c and dlopen'ed by w_dlopen.c. */
int w_lib(int x)
{
	return x * 7;
}
