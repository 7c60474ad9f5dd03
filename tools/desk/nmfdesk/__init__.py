"""nmf-desk: the separation desk of gst-nmf (GTK 3 + GStreamer)."""
