/* gst-nmf core (internal): the factorization model behind the separator.
 *
 * A model sees one frame at a time on its own frequency axis (the STFT
 * bins, or the bands of nmf_band_axis) and gives, for the frame it
 * releases, each source's model spectrum; the separator turns those into
 * masks.  kl (model_kl.c) and volmin (model_volmin.c) sit behind it. */
#ifndef NMF_MODEL_H
#define NMF_MODEL_H

#include <nmf/separator.h>

#include "logfreq.h"

typedef struct nmf_model nmf_model;

typedef struct
{
  void (*destroy) (nmf_model * model);
  /* keep = 0 also restarts the learned templates from the seed */
  void (*reset) (nmf_model * model, int keep);
  /* Frame v (model_bins values >= 0) enters and is learned from, unless
   * `learn` is 0 (then it leaves the model as it was, as silence does).
   * Writes into source_models (sources x model_bins) the model spectra of
   * the frame the model releases now: v itself when causal, with a
   * look-ahead of L frames the frame that entered L frames ago (all zero
   * before it exists). */
  void (*process) (nmf_model * model, const float *v, int learn,
      float *source_models);
  int (*set_iterations) (nmf_model * model, int iterations);
  /* column-major model_bins x rank */
  const float *(*templates) (const nmf_model * model);
  /* the source of each component, or NULL when component k is source k */
  const int *(*assignment) (const nmf_model * model);
  /* fills the model_* fields */
  void (*stats) (const nmf_model * model, nmf_separator_stats * stats);
  /* A new model (same settings, other dictionaries) takes over from
   * `previous` of the same kind: its blind templates, and the frames
   * waiting in its look-ahead, replayed so that the next frame released
   * is the one `previous` would have released. */
  void (*adopt) (nmf_model * model, nmf_model * previous);
} nmf_model_ops;

struct nmf_model
{
  const nmf_model_ops *ops;
  int rank;                     /* components + dictionary templates */
};

/* c: a resolved, checked configuration; axis: the band axis the model
 * sees, or NULL for every bin.  The model keeps a pointer to axis. */
int nmf_model_kl_create (nmf_model ** out, const nmf_separator_config * c,
    const nmf_band_axis * axis);
int nmf_model_volmin_create (nmf_model ** out,
    const nmf_separator_config * c, const nmf_band_axis * axis);
/* nmf_separator_set_cancel for a volmin model (m made by
 * nmf_model_volmin_create). */
void nmf_model_volmin_set_cancel (nmf_model * m, const volatile int *cancel);

#endif /* NMF_MODEL_H */
