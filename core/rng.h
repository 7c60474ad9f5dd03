/* gst-nmf core (internal): the deterministic random numbers, so that a seed
 * gives the same factorization on every platform and libc.
 *
 * - splitmix64 (Steele, Lea, Flood 2014): one 64-bit state; the online
 *   model's template draws, and the seeding of the generator below.
 * - xoshiro256** (Blackman, Vigna 2018), seeded through splitmix64 (which
 *   never yields the all-zero state): the batch solvers, the grouping's
 *   k-means and the subspace tracking. */
#ifndef NMF_RNG_H
#define NMF_RNG_H

#include <math.h>
#include <stdint.h>

/* 53 random bits -> uniform in [0, 1) */
static inline double
nmf_rng_unit (uint64_t bits)
{
  return (double) (bits >> 11) * 0x1.0p-53;
}

static inline uint64_t
nmf_splitmix64_next (uint64_t * state)
{
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline double
nmf_splitmix64_uniform (uint64_t * state)
{
  return nmf_rng_unit (nmf_splitmix64_next (state));
}

typedef struct
{
  uint64_t s[4];
} nmf_xrng;

static inline uint64_t
nmf_rng_rotl (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

/* Any seed, 0 included. */
static inline void
nmf_xrng_seed (nmf_xrng * g, uint64_t seed)
{
  for (int k = 0; k < 4; k++)
    g->s[k] = nmf_splitmix64_next (&seed);
}

static inline uint64_t
nmf_xrng_next (nmf_xrng * g)
{
  uint64_t *s = g->s;
  uint64_t result = nmf_rng_rotl (s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = nmf_rng_rotl (s[3], 45);
  return result;
}

/* uniform in [0, 1) */
static inline double
nmf_xrng_uniform (nmf_xrng * g)
{
  return nmf_rng_unit (nmf_xrng_next (g));
}

/* standard normal (Box-Muller, one draw per call) */
static inline double
nmf_xrng_normal (nmf_xrng * g)
{
  /* 1 - u lies in (0, 1], so the log is finite */
  double u1 = 1.0 - nmf_xrng_uniform (g);
  double u2 = nmf_xrng_uniform (g);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * M_PI * u2);
}

#endif /* NMF_RNG_H */
