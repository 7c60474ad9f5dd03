/* The volmin model: column-normalized volume minimization of the sliding
 * window (volmin_stream.h), its components grouped into sources when there
 * are more of them than sources.  It learns from every frame and has no
 * look-ahead. */
#include "grouped.h"
#include "model.h"
#include "volmin_stream.h"

#include <nmf/error.h>

#include <stdlib.h>
#include <string.h>

typedef struct
{
  nmf_model parent;
  int sources, model_bins;
  nmf_volmin_stream *volmin;
  int grouped;
  nmf_grouped group;
  float *models;                /* rank x model_bins: each component's */
} model_volmin;

static void
volmin_destroy (nmf_model * m)
{
  model_volmin *v = (model_volmin *) m;

  nmf_volmin_stream_destroy (&v->volmin);
  nmf_grouped_clear (&v->group);
  free (v->models);
  free (v);
}

static void
volmin_reset (nmf_model * m, int keep)
{
  model_volmin *v = (model_volmin *) m;

  nmf_volmin_stream_reset (v->volmin, keep);
  if (v->grouped && !keep)
    nmf_grouped_reset (&v->group);
}

/* `learn` is not read: a frame's solve cannot be broken by one garbage
 * frame the way a multiplicative warm start can. */
static void
volmin_process (nmf_model * m, const float *frame, int learn,
    float *source_models)
{
  model_volmin *v = (model_volmin *) m;
  const int K = v->parent.rank, S = v->sources, F = v->model_bins;

  (void) learn;
  if (!v->grouped) {
    /* a frame the model cannot take (magnitudes overflowing to Inf) comes
     * back with zero spectra: an even split for that frame */
    nmf_volmin_stream_push (v->volmin, frame, source_models);
    return;
  }
  nmf_volmin_stream_push (v->volmin, frame, v->models);
  if (nmf_grouped_begin_frame (&v->group, frame)) {
    /* W_k carries component k's energy over the window */
    const float *W = nmf_volmin_stream_templates (v->volmin);
    for (int k = 0; k < K; k++) {
      double mass = 0.0;
      for (int f = 0; f < F; f++)
        mass += W[(size_t) k * F + f] > 0.0f ? W[(size_t) k * F + f] : 0.0f;
      v->group.mass[k] = mass;
    }
    nmf_grouped_regroup (&v->group, W);
  }
  const float *G = nmf_grouped_end_frame (&v->group);
  memset (source_models, 0, sizeof (float) * (size_t) S * F);
  for (int k = 0; k < K; k++) {
    const float *model = v->models + (size_t) k * F;
    for (int s = 0; s < S; s++) {
      float g = G[(size_t) k * S + s];
      if (g == 0.0f)
        continue;
      float *p = source_models + (size_t) s * F;
      for (int f = 0; f < F; f++)
        p[f] += g * model[f];
    }
  }
}

static int
volmin_set_iterations (nmf_model * m, int iterations)
{
  (void) m;
  (void) iterations;            /* volmin has no per-frame iterations */
  return NMF_OK;
}

static const float *
volmin_templates (const nmf_model * m)
{
  return nmf_volmin_stream_templates (((const model_volmin *) m)->volmin);
}

static const int *
volmin_assignment (const nmf_model * m)
{
  const model_volmin *v = (const model_volmin *) m;

  return v->grouped ? nmf_grouping_assignment (v->group.grouping) : NULL;
}

static void
volmin_stats (const nmf_model * m, nmf_separator_stats * st)
{
  nmf_volmin_stream_stats vs;

  st->model_refreshes = 0;
  st->model_failures = 0;
  st->model_restarts = 0;
  st->model_error = "";
  if (nmf_volmin_stream_get_stats (((const model_volmin *) m)->volmin, &vs)
      == NMF_OK) {
    st->model_refreshes = vs.refreshes;
    st->model_failures = vs.failures;
    st->model_error = vs.last_error ? vs.last_error : "";
  }
}

/* Dictionaries need kl: a volmin model is never replaced. */
static void
volmin_adopt (nmf_model * m, nmf_model * previous)
{
  (void) m;
  (void) previous;
}

void
nmf_model_volmin_set_cancel (nmf_model * m, const volatile int *cancel)
{
  nmf_volmin_stream_set_cancel (((model_volmin *) m)->volmin, cancel);
}

static const nmf_model_ops volmin_ops = {
  volmin_destroy, volmin_reset, volmin_process, volmin_set_iterations,
  volmin_templates, volmin_assignment, volmin_stats, volmin_adopt,
};

int
nmf_model_volmin_create (nmf_model ** out, const nmf_separator_config * c,
    const nmf_band_axis * axis)
{
  model_volmin *v;
  int ret;

  *out = NULL;
  v = calloc (1, sizeof (*v));
  if (!v)
    return NMF_ERR_NO_MEMORY;
  v->parent.ops = &volmin_ops;
  v->parent.rank = c->components;
  v->sources = c->sources;
  v->model_bins = axis ? axis->bands : c->fft_size / 2 + 1;
  v->grouped = c->components > c->sources;
  if ((ret = nmf_volmin_stream_create (&v->volmin, v->model_bins,
              c->components, c->window_frames, c->refresh_interval,
              c->regularization, c->seed)) != NMF_OK
      || (v->grouped
          && (ret = nmf_grouped_init (&v->group, c, c->components,
                  axis)) != NMF_OK)) {
    volmin_destroy (&v->parent);
    return ret;
  }
  if (v->grouped
      && !(v->models = calloc ((size_t) c->components * v->model_bins,
              sizeof (float)))) {
    volmin_destroy (&v->parent);
    return NMF_ERR_NO_MEMORY;
  }
  *out = &v->parent;
  return NMF_OK;
}
