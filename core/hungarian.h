/* gst-nmf core (internal): minimum-cost assignment (the Hungarian
 * algorithm), which keeps component and source indices stable when a
 * model is re-solved: new components or clusters are matched to the old
 * ones. */
#ifndef NMF_HUNGARIAN_H
#define NMF_HUNGARIAN_H

#include <stddef.h>

#include <nmf/error.h>

/* The doubles of workspace an r x r assignment needs. */
#define NMF_ASSIGNMENT_WORK(r) (6 * ((size_t) (r) + 1))

/* Minimum-cost perfect assignment for an r x r row-major cost matrix
 * (finite entries): perm[k] is the column given to row k.  `total` (may be
 * NULL) receives the sum of the chosen costs.  O(r^3).  `work` holds
 * NMF_ASSIGNMENT_WORK (r) doubles, allocated by the caller beforehand: the
 * models solve one per regrouping, and process never allocates. */
nmf_status nmf_assignment_solve_in (double *work, const double *cost,
    size_t r, size_t *perm, double *total);
/* The same with a workspace of its own (an allocation), for one-off use. */
nmf_status nmf_assignment_solve (const double *cost, size_t r, size_t *perm,
    double *total);

#endif /* NMF_HUNGARIAN_H */
