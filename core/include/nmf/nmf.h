/* gst-nmf core library: every public header.
 *
 * pkg-config --cflags --libs nmfcore */
#ifndef NMF_NMF_H
#define NMF_NMF_H

#define NMF_VERSION_MAJOR 0
#define NMF_VERSION_MINOR 1
#define NMF_VERSION_MICRO 0

#include <nmf/dictionary.h>
#include <nmf/error.h>
#include <nmf/factorize.h>
#include <nmf/npy.h>
#include <nmf/separator.h>

#endif /* NMF_NMF_H */
