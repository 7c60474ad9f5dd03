/* gst-nmf core: a tiny deterministic PRNG (splitmix64), so that a seed
 * gives the same factorization on every platform and libc. */
#ifndef NMF_RNG_H
#define NMF_RNG_H

#include <stdint.h>

static inline uint64_t
nmf_rng_next (uint64_t * state)
{
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* uniform in [0, 1) with 53 random bits */
static inline double
nmf_rng_uniform (uint64_t * state)
{
  return (double) (nmf_rng_next (state) >> 11) * (1.0 / 9007199254740992.0);
}

#endif /* NMF_RNG_H */
