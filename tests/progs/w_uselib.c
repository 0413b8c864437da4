/* w_uselib.c - links the shared library built from w_lib.c; prints 14. */
#include <stdio.h>

int w_lib(int x);

int main(void)
{
	printf("%d\n", w_lib(2));
	return 0;
}
