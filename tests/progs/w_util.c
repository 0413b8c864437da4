/* w_util.c - second source of the w_main program (tests/e2e/wrappers.sh). */
int w_util(int x)
{
	return x * 10;
}
