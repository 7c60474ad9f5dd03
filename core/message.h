/* gst-nmf core (internal): the one-line messages of <nmf/error.h>, written
 * into a caller's buffer (either may be NULL / 0). */
#ifndef NMF_MESSAGE_H
#define NMF_MESSAGE_H

#include <stdarg.h>
#include <stddef.h>

#include <nmf/error.h>

void nmf_message_vset (char *message, size_t message_size, const char *fmt,
    va_list ap);
void nmf_message_set (char *message, size_t message_size, const char *fmt,
    ...) __attribute__ ((format (printf, 3, 4)));

/* Writes the message and returns status. */
nmf_status nmf_fail (char *message, size_t message_size, nmf_status status,
    const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

#endif /* NMF_MESSAGE_H */
