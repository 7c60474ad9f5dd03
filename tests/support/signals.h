/* Deterministic test signals, shared by the tests and the benchmarks. */
#ifndef NMF_TEST_SIGNALS_H
#define NMF_TEST_SIGNALS_H

#include <stddef.h>

/* uniform in [0, 1), the next of the sequence in *s */
static inline double
test_uniform (unsigned long long *s)
{
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double) (*s >> 11) / 9007199254740992.0;
}

/* Source k of draw `draw` at `rate`: noise through a one-pole filter of
 * its own (k = 0, 1, and any other), its level a new log-normal draw every
 * 50 ms (speech and notes are as non-stationary), silent 15 % of the
 * time; every source at the same mean power. */
void test_varying_source (int k, unsigned long long draw, int rate,
    float *x, size_t n);

/* The magnitude of one frame of complex white noise, n bins: windows of
 * such frames have full rank, the hardest for volmin's linear programs. */
void test_noise_magnitude (float *v, int n, unsigned long long *seed);

#endif
