/* The fuzz targets' reading of their input: one byte at a time, 0 once it
 * is used up (so every input, however short, is a whole run). */
#ifndef NMF_FUZZ_INPUT_H
#define NMF_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

static inline uint8_t
take (const uint8_t ** data, size_t * size)
{
  if (*size == 0)
    return 0;
  uint8_t b = **data;
  (*data)++;
  (*size)--;
  return b;
}

#endif /* NMF_FUZZ_INPUT_H */
