/*
 * live.c - on a terminal, the migration that is running stays visible as one
 * line with its elapsed time, rewritten in place every second by a ticker
 * thread and erased when the migration ends (its ok/ERR line replaces it).
 *
 * The library runs a migration synchronously and reports only its start and
 * its end, so the clock has to tick on a thread of its own. Both threads
 * write stdout under one mutex; anything else out_event prints while the
 * line is up stops the ticker first, so no message lands at its end.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_t ticker;
static int running;        /* a line is up and the ticker runs */
static char text[200];     /* "run  V NAME" */
static struct timespec started;

static double elapsed_s(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - started.tv_sec) + (double)(now.tv_nsec - started.tv_nsec) / 1e9;
}

static void *tick(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (running) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&cv, &mu, &until);
		if (!running)
			break;
		printf("\r  %s  %.0f s", text, elapsed_s());
		fflush(stdout);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

void live_start(const char *verb, const char *vtext, const char *name)
{
	live_stop();
	pthread_mutex_lock(&mu);
	snprintf(text, sizeof(text), "%-4s %s %s", verb, vtext, name);
	clock_gettime(CLOCK_MONOTONIC, &started);
	printf("  %s", text);
	fflush(stdout);
	running = 1;
	if (pthread_create(&ticker, NULL, tick, NULL) != 0)
		running = 0; /* no clock then: the line stays as it is until the end */
	pthread_mutex_unlock(&mu);
	if (!running) {
		printf("\r\033[K");
		fflush(stdout);
	}
}

void live_stop(void)
{
	int was;

	pthread_mutex_lock(&mu);
	was = running;
	running = 0;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	if (!was)
		return;
	pthread_join(ticker, NULL);
	printf("\r\033[K");
	fflush(stdout);
}
