/* gst-nmf core (internal): minimum-cost assignment (the Hungarian
 * algorithm), which keeps component and source indices stable when a
 * model is re-solved: new components or clusters are matched to the old
 * ones. */
#ifndef NMF_HUNGARIAN_H
#define NMF_HUNGARIAN_H

#include <stddef.h>

#include <nmf/error.h>

/* Minimum-cost perfect assignment for an r x r row-major cost matrix
 * (finite entries): perm[k] is the column given to row k.  `total` (may be
 * NULL) receives the sum of the chosen costs.  O(r^3). */
nmf_status nmf_assignment_solve (const double *cost, size_t r, size_t *perm,
    double *total);

#endif /* NMF_HUNGARIAN_H */
