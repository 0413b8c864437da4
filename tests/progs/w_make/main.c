/* main.c - tiny make project of wrappers.sh: prints count_to(10), 55. */
#include <stdio.h>
#include "count.h"

int main(void)
{
	printf("%d\n", count_to(10));
	return 0;
}
