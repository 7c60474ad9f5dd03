/* gst-nmf core (internal): components grouped into sources, as the models
 * drive it frame by frame.  Wraps nmf_grouping (grouping.h) with the
 * rhythm of the stream: a regrouping every regroup_interval frames of
 * sound, from the templates on the bin axis (the grouping's features read
 * bins), and the membership ramps advanced on every frame of sound.  A
 * frame learned as silence leaves the grouping as it was. */
#ifndef NMF_GROUPED_H
#define NMF_GROUPED_H

#include <nmf/separator.h>

#include "grouping.h"
#include "logfreq.h"

typedef struct
{
  nmf_grouping *grouping;
  const nmf_band_axis *axis;    /* NULL: the model sees every bin */
  int bins, model_bins, rank, sources, regroup_interval;
  double *mass;                 /* rank */
  float *bin_templates;         /* bins x rank (bands only) */
  uint64_t sounding_frames;     /* frames of sound since init or reset */
  int sounding;                 /* the frame in progress is sound */
} nmf_grouped;

int nmf_grouped_init (nmf_grouped * g, const nmf_separator_config * c,
    int rank, const nmf_band_axis * axis);
void nmf_grouped_clear (nmf_grouped * g);
/* As after init: no grouping, the regroupings counted from 0. */
void nmf_grouped_reset (nmf_grouped * g);

/* A new frame; `learned` is what the model learns from it (model_bins
 * values).  Returns 1 when a regrouping is due now: the caller then fills
 * g->mass (each component's mass) and calls nmf_grouped_regroup. */
int nmf_grouped_begin_frame (nmf_grouped * g, const float *learned);
/* Regroups from the templates in force (column-major model_bins x rank)
 * and g->mass, unless there is no mass at all. */
void nmf_grouped_regroup (nmf_grouped * g, const float *templates);
/* Ends the frame: advances the ramps if it was sound; the membership in
 * force (rank x sources, row-major). */
const float *nmf_grouped_end_frame (nmf_grouped * g);

#endif /* NMF_GROUPED_H */
