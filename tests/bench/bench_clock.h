/* The process's CPU time (every thread's: OpenBLAS's helpers included),
 * for the benches that time a loop from inside. */
#ifndef NMF_BENCH_CLOCK_H
#define NMF_BENCH_CLOCK_H

#include <time.h>

static inline double
bench_cpu_seconds (void)
{
  struct timespec t;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

#endif /* NMF_BENCH_CLOCK_H */
