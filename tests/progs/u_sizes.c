/* u_sizes.c - functions of known shapes for ctrail-cc --min-insns
 * (tests/e2e/cull.sh): tiny() has a handful of instructions, looper() as
 * few plus a loop, big() about a hundred; main() has a loop. */
__attribute__((noinline)) int tiny(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

__attribute__((noinline)) int looper(int n)
{
	int s = 0;

	for (int i = 0; i < n; i++) {
		__asm__ volatile("" ::: "memory");
		s += i;
	}
	return s;
}

__attribute__((noinline)) int big(int x)
{
	volatile int v = x;

	v += 1, v *= 3, v ^= 7, v += 11, v *= 5, v -= 2, v ^= 9, v += 4, v *= 7, v ^= 1;
	v += 1, v *= 3, v ^= 7, v += 11, v *= 5, v -= 2, v ^= 9, v += 4, v *= 7, v ^= 1;
	return v;
}

int main(int argc, char **argv)
{
	int s = 0;

	for (int i = 0; i < argc; i++)
		s += tiny(i) + looper(i + 2) + big(i);
	return s == 0;
}
