/* gst-nmf core (internal): the separator's configuration - defaults,
 * profiles, checks. */
#ifndef NMF_CONFIG_H
#define NMF_CONFIG_H

#include <nmf/separator.h>

/* Sources with a dictionary, and (in *templates, may be NULL) the
 * templates they bring. */
int nmf_config_count_dictionaries (const nmf_separator_config * c,
    int *templates);

/* The values the model sees per frame: the bins, or the bands of the
 * log-frequency axis.  For a checked configuration. */
int nmf_config_model_bins (const nmf_separator_config * c);

/* A copy of c with every AUTO field resolved (nmf_separator_config_apply_
 * profile with NMF_PROFILE_NONE). */
void nmf_config_resolved (const nmf_separator_config * c,
    nmf_separator_config * out);

#endif /* NMF_CONFIG_H */
