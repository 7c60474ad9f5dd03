#include "grouped.h"
#include "online_kl.h"

#include <nmf/error.h>

#include <stdlib.h>
#include <string.h>

int
nmf_grouped_init (nmf_grouped * g, const nmf_separator_config * c, int rank,
    const nmf_band_axis * axis)
{
  nmf_grouping_config gc;
  int ret;

  memset (g, 0, sizeof (*g));
  g->axis = axis;
  g->bins = c->fft_size / 2 + 1;
  g->model_bins = axis ? axis->bands : g->bins;
  g->rank = rank;
  g->sources = c->sources;
  g->regroup_interval = c->regroup_interval;
  nmf_grouping_config_init (&gc, g->bins, rank, c->sources);
  gc.seed = c->seed;
  if ((ret = nmf_grouping_create (&g->grouping, &gc)) != NMF_OK)
    return ret;
  g->mass = calloc (rank, sizeof (double));
  if (!g->mass || (axis
          && !(g->bin_templates = calloc ((size_t) g->bins * rank,
                  sizeof (float))))) {
    nmf_grouped_clear (g);
    return NMF_ERR_NO_MEMORY;
  }
  return NMF_OK;
}

void
nmf_grouped_clear (nmf_grouped * g)
{
  nmf_grouping_destroy (&g->grouping);
  free (g->mass);
  free (g->bin_templates);
  memset (g, 0, sizeof (*g));
}

void
nmf_grouped_reset (nmf_grouped * g)
{
  nmf_grouping_reset (g->grouping);
  /* the regroupings' rhythm too: a reset separator is a fresh one */
  g->sounding_frames = 0;
  g->sounding = 0;
}

int
nmf_grouped_begin_frame (nmf_grouped * g, const float *learned)
{
  g->sounding = !nmf_online_kl_is_silence (learned, g->model_bins);
  return g->sounding
      && ++g->sounding_frames % (uint64_t) g->regroup_interval == 0;
}

void
nmf_grouped_regroup (nmf_grouped * g, const float *W)
{
  double total = 0.0;

  for (int k = 0; k < g->rank; k++)
    total += g->mass[k];
  if (total <= 0.0)
    return;
  if (g->axis) {
    /* the grouping's features read templates on the bin axis */
    for (int k = 0; k < g->rank; k++)
      nmf_band_axis_spread (g->axis, W + (size_t) k * g->model_bins,
          g->bin_templates + (size_t) k * g->bins, 1);
    W = g->bin_templates;
  }
  nmf_grouping_update (g->grouping, W, g->mass);
}

const float *
nmf_grouped_end_frame (nmf_grouped * g)
{
  if (g->sounding)
    nmf_grouping_step (g->grouping);
  return nmf_grouping_membership (g->grouping);
}
