/* count.h - the one function of count.c (tiny make project of wrappers.sh). */
int count_to(int n);
