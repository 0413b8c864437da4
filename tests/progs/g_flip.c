/* Stress of the signal wrapper's table: two threads keep replacing
 * SIGUSR1's handler (one plain, one SA_SIGINFO) while a third sends SIGUSR1
 * to them, for argv[1] ms.  Every old action sigaction gives back must be
 * one of the program's two handlers with its own flags, never the
 * wrapper; every delivery must run one of them, with its arguments.
 * Prints "ok", or what went wrong. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t plain_runs, info_runs, bad;
static volatile int stop;
static pthread_t flippers[2];

static void plain(int sig) { plain_runs++; }
static void with_info(int sig, siginfo_t *si, void *uc)
{
	if (sig != SIGUSR1 || !si || si->si_signo != SIGUSR1)
		bad = 1;
	info_runs++;
}

static void *flip(void *arg)
{
	struct sigaction a = { .sa_handler = plain, .sa_flags = SA_RESTART };
	struct sigaction b = { .sa_sigaction = with_info, .sa_flags = SA_SIGINFO };
	struct sigaction old;

	sigemptyset(&a.sa_mask);
	sigemptyset(&b.sa_mask);
	for (unsigned long i = 0; !stop; i++) {
		if (sigaction(SIGUSR1, i & 1 ? &a : &b, &old))
			bad = 2;
		else if (old.sa_flags & SA_SIGINFO ? old.sa_sigaction != with_info
						   : old.sa_handler != plain)
			bad = 3;
	}
	return NULL;
}

static void *send(void *arg)
{
	while (!stop)
		for (int i = 0; i < 2; i++)
			pthread_kill(flippers[i], SIGUSR1);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction a = { .sa_handler = plain };
	pthread_t sender;

	sigemptyset(&a.sa_mask);
	sigaction(SIGUSR1, &a, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&flippers[i], NULL, flip, NULL);
	pthread_create(&sender, NULL, send, NULL);
	usleep(1000 * (argc > 1 ? atoi(argv[1]) : 1000));
	stop = 1;
	pthread_join(sender, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(flippers[i], NULL);
	if (bad)
		printf("failed: %d\n", bad);
	else
		printf(plain_runs && info_runs ? "ok\n" : "no deliveries of both\n");
	return 0;
}
