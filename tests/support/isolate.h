/* A test case run in a child process, so that a crash is that case's
 * failure only (the other cases still run and report). */
#ifndef NMF_TEST_ISOLATE_H
#define NMF_TEST_ISOLATE_H

/* Runs body (arg) in a child: 0 when it returned 0, 1 when it returned
 * anything else or crashed (said on stderr, with name). */
int test_in_child (const char *name, int (*body) (const void *arg),
    const void *arg);

#endif
