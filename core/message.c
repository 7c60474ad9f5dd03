#include "message.h"

#include <stdio.h>

void
nmf_message_vset (char *message, size_t message_size, const char *fmt,
    va_list ap)
{
  if (message != NULL && message_size > 0)
    vsnprintf (message, message_size, fmt, ap);
}

void
nmf_message_set (char *message, size_t message_size, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  nmf_message_vset (message, message_size, fmt, ap);
  va_end (ap);
}

nmf_status
nmf_fail (char *message, size_t message_size, nmf_status status,
    const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  nmf_message_vset (message, message_size, fmt, ap);
  va_end (ap);
  return status;
}
