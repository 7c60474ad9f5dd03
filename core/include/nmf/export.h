/* gst-nmf core library: symbol visibility.  The library is built with
 * hidden symbols; NMF_API marks the public functions. */
#ifndef NMF_EXPORT_H
#define NMF_EXPORT_H

#if defined(NMF_BUILDING_LIBRARY) && defined(__GNUC__)
#define NMF_API __attribute__ ((visibility ("default")))
#else
#define NMF_API
#endif

#endif /* NMF_EXPORT_H */
