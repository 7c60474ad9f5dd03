/* gst-nmf core (internal): what a dictionary's templates must be, wherever
 * they come from (a file, a caller's buffer, a configuration). */
#ifndef NMF_TEMPLATES_H
#define NMF_TEMPLATES_H

#include <stddef.h>

#include <nmf/error.h>

/* `components` templates of `bins` values each (template k at k * bins):
 * finite, not negative, none all zero.  The first that is not, named in
 * message (NOT_FINITE, NEGATIVE or INVALID_ARGUMENT). */
nmf_status nmf_templates_check (const float *W, size_t bins,
    size_t components, char *message, size_t message_size);

#endif /* NMF_TEMPLATES_H */
