/* A control source bound to a controllable property applies to a stream
 * whose buffers carry no timestamps (an appsrc fed without them), at the
 * time the sample count gives each buffer, as it does to the same stream
 * timestamped (found by exploratory testing: the element synced the
 * controlled properties to the buffer's PTS only, so without one it never
 * did, and the binding was ignored without a word).
 *   - post-messages bound to a step from off to on at 0.5 s; 1 s of audio,
 *     once timestamped, once with every timestamp taken off;
 *   - both runs post the same element messages (at least one), the first
 *     for the interval that starts at 0.5 s.
 *   nmf-e2e-untimed-control    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when all holds. */
#include "e2e_pipeline.h"

#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gstinterpolationcontrolsource.h>

#define STEP (500 * GST_MSECOND)

/* The element messages of a run: how many, and the first one's time. */
static guint
run (gboolean timestamped, GstClockTime * first)
{
  GstElement *pipe = e2e_launch ("audiotestsrc num-buffers=100 "
      "samplesperbuffer=441 wave=pink-noise ! audio/x-raw,format=F32LE,"
      "rate=44100,channels=1 ! nmfseparate name=s profile=live "
      "interval=100000000 s.src_0 ! fakesink s.src_1 ! fakesink");
  GstElement *s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  GstControlSource *cs = gst_interpolation_control_source_new ();
  GstTimedValueControlSource *tv = GST_TIMED_VALUE_CONTROL_SOURCE (cs);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  guint messages = 0;

  g_object_set (cs, "mode", GST_INTERPOLATION_MODE_NONE, NULL);
  gst_object_add_control_binding (GST_OBJECT (s),
      gst_direct_control_binding_new_absolute (GST_OBJECT (s),
          "post-messages", cs));
  gst_timed_value_control_source_set (tv, 0, 0.0);
  gst_timed_value_control_source_set (tv, STEP, 1.0);
  gst_object_unref (cs);
  if (!timestamped)
    e2e_strip_timestamps (pipe, "s", NULL);

  *first = GST_CLOCK_TIME_NONE;
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);
    const gboolean end = GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT;
    if (!end && gst_structure_has_name (st, "nmfseparate")) {
      if (messages++ == 0)
        gst_structure_get_uint64 (st, "timestamp", first);
    }
    gst_message_unref (msg);
    if (end)
      break;
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (s);
  gst_object_unref (pipe);
  return messages;
}

int
main (int argc, char **argv)
{
  GstClockTime first_stamped, first_untimed;
  guint stamped, untimed;
  gboolean ok;

  gst_init (&argc, &argv);
  stamped = run (TRUE, &first_stamped);
  untimed = run (FALSE, &first_untimed);
  g_print ("post-messages on from %" GST_TIME_FORMAT ": timestamped, %u "
      "messages from %" GST_TIME_FORMAT "; untimestamped, %u messages from %"
      GST_TIME_FORMAT "\n", GST_TIME_ARGS (STEP), stamped,
      GST_TIME_ARGS (first_stamped), untimed, GST_TIME_ARGS (first_untimed));
  ok = stamped > 0 && untimed == stamped && first_untimed == first_stamped;
  g_print ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
