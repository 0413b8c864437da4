/* Exits with the status given as argv[1], for `ctrail record`. */
#include <stdlib.h>
#define NOINLINE __attribute__((noinline))
NOINLINE int status(const char *s) { return atoi(s); }
int main(int argc, char **argv) { return argc > 1 ? status(argv[1]) : 0; }
