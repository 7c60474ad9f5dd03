/* nmftool separate's command line: its help, its options, and the
 * nmfseparate properties they set (checked against the element's own
 * property specs, so that a bad value is a usage error, not a pipeline
 * failure later). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nmftool.h"
#include "separate.h"
#include "separate_options.h"

const char nmftool_separate_help[] =
    "nmftool separate: split an audio file into one WAV file per source\n"
    "\n"
    "  nmftool separate --sources N [--algorithm kl|volmin] [--components K]\n"
    "                   [--dictionary SRC=FILE.npy ...] [--set PROP=VALUE ...]\n"
    "                   [--profile file|live|auto]\n"
    "                   [--format f32|s16] [--progress auto|bar|lines|none]\n"
    "                   [--quiet] INPUT OUTDIR\n"
    "\n"
    "INPUT is a file name or a URI (file://, http://, ...) of anything\n"
    "GStreamer can decode (uridecodebin: WAV, FLAC, Ogg, MP3, the audio of a\n"
    "video, ...); the first audio stream is used (the chains of a chained\n"
    "Ogg file while their rate and channels stay). It goes through\n"
    "audioconvert ! audioresample ! nmfseparate (rates outside 8-192 kHz are\n"
    "resampled, others pass untouched) and source I is written to\n"
    "OUTDIR/sourceI.wav (OUTDIR is created if needed; existing files are\n"
    "overwritten, never an input: an output that is the input or a\n"
    "dictionary is refused, and so is one that cannot be written, a FIFO\n"
    "included, before anything is written), with the channels and rate\n"
    "of the input and exactly as many samples as the input (as the\n"
    "resampled stream, if it was resampled). The sources add up to the\n"
    "input. A summary line on stderr names the files; exit status 0.\n"
    "Inputs with more channels than the element takes (its sink caps;\n"
    "audioconvert: at most 63) are refused with the limit, never\n"
    "downmixed. A WAV file holds at most 4 GiB (32-bit float stereo at\n"
    "44.1 kHz: about 3.4 hours): larger outputs are refused before a\n"
    "sample is written when the input's duration is known, else the run\n"
    "stops with that error when a file reaches the limit (--format s16\n"
    "halves the size).\n"
    "The nmfseparate plugin is found the usual GStreamer way (installed, or\n"
    "GST_PLUGIN_PATH=<build>/plugin when uninstalled).\n"
    "\n"
    "  --sources N       number of sources, 1..16 (element n-sources). Required.\n"
    "  --algorithm A     kl (default) or volmin (element algorithm).\n"
    "  --components K    NMF rank (element components; 0 = N).\n"
    "  --dictionary SRC=FILE.npy\n"
    "                    fixed templates for source SRC (0..N-1), repeatable;\n"
    "                    passed to the element property 'dictionaries' as\n"
    "                    'SRC=/absolute/FILE.npy' entries. Refused (exit\n"
    "                    status 2) when the element of this build has no\n"
    "                    such property, or when it takes one string of\n"
    "                    comma-separated entries and the file's name holds\n"
    "                    a comma (give a link to it without one).\n"
    "  --set PROP=VALUE  any other nmfseparate property but n-sources (give\n"
    "                    --sources), output-mode and name, repeatable (e.g.\n"
    "                    --set fft-size=4096 --set mask-exponent=1); see\n"
    "                    'gst-inspect-1.0 nmfseparate'. The dictionaries of\n"
    "                    --set dictionaries=SRC=FILE,... are kept from the\n"
    "                    outputs as those of --dictionary are.\n"
    "  --profile P       the element's profile property. file (default): for\n"
    "                    blind kl (no --dictionary) the best blind settings\n"
    "                    measured for files, which need no low latency:\n"
    "                    components=20 bands-per-octave=24 iterations=4\n"
    "                    lookahead-frames=516 mask-exponent=1 (--components\n"
    "                    and --set override any of them); live: the same\n"
    "                    without look-ahead (causal), window-frames=129;\n"
    "                    auto: file unless the input is live.\n"
    "  --format F        f32: 32-bit float WAV (default, the element's output\n"
    "                    unchanged); s16: 16-bit PCM WAV (samples beyond full\n"
    "                    scale are clipped: a warning gives their count).\n"
    "  --progress P      auto (default): a bar redrawn in place when stderr is\n"
    "                    a terminal, else plain lines; bar; lines (a line when\n"
    "                    a further 10 % is passed, checked 5 times a second,\n"
    "                    so a fast run skips some; per minute of audio when\n"
    "                    the duration is unknown); none. Shown: position /\n"
    "                    duration, speed in times real time, estimated\n"
    "                    time left.\n"
    "  --quiet, -q       no progress and no summary line (warnings, such as\n"
    "                    the clipping of --format s16, and errors still\n"
    "                    print).\n"
    "  --help, -h        this text.\n"
    "\n"
    "Ctrl-C: the first one ends the stream early as if the input ended there\n"
    "(EOS): the partial files are finalized (valid WAV headers), kept, and\n"
    "named on stderr; exit status 130. A second Ctrl-C aborts at once: the\n"
    "incomplete files are removed (said on stderr); exit status 130. So\n"
    "does the first one while the input has not begun (a FIFO no one\n"
    "writes yet).\n"
    "SIGTERM (kill, timeout) and SIGHUP are handled the same way, with exit\n"
    "status 143 and 129.\n"
    "On a pipeline error (undecodable input, missing plugin, invalid\n"
    "property combination, write failure) one line names the file (the\n"
    "input, or the output that could not be written), the error and the\n"
    "element, the partial files are removed (those this run created or\n"
    "truncated, not a file it could not open), exit status 1.\n";

/* --progress auto: redrawing in place only makes sense on a terminal */
static ProgressMode
progress_mode (const char *progress, gboolean quiet)
{
  if (quiet || strcmp (progress, "none") == 0)
    return PROGRESS_NONE;
  if (strcmp (progress, "bar") == 0)
    return PROGRESS_BAR;
  if (strcmp (progress, "lines") == 0)
    return PROGRESS_LINES;
  return isatty (STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_LINES;
}

/* One option (getopt_long's C and OPTARG) into O: NMFTOOL_RUN, or the exit
 * status. */
static int
parse_option (SeparateOptions * o, int c, const char **progress,
    char **argv)
{
  unsigned long n;

  switch (c) {
    case 'n':
      if (parse_ulong (optarg, 1, SEPARATE_MAX_SOURCES, &n) < 0)
        return usage_error (SEPARATE_CMD, "--sources needs an integer in "
            "1..%d, got '%s'", SEPARATE_MAX_SOURCES, optarg);
      o->n_sources = (guint) n;
      return NMFTOOL_RUN;
    case 'a':
      if (strcmp (optarg, "kl") != 0 && strcmp (optarg, "volmin") != 0)
        return usage_error (SEPARATE_CMD, "unknown algorithm '%s' (kl or "
            "volmin)", optarg);
      o->algorithm = optarg;
      return NMFTOOL_RUN;
    case 'k':
      o->components = optarg;
      return NMFTOOL_RUN;
    case 'd':
      g_ptr_array_add (o->dictionaries, optarg);
      return NMFTOOL_RUN;
    case 'P':
      o->profile = optarg;
      return NMFTOOL_RUN;
    case 'S':
      if (strchr (optarg, '=') == NULL || optarg[0] == '=')
        return usage_error (SEPARATE_CMD, "--set needs PROP=VALUE, got '%s'",
            optarg);
      g_ptr_array_add (o->sets, optarg);
      return NMFTOOL_RUN;
    case 'f':
      if (strcmp (optarg, "f32") == 0) {
        o->format = "F32LE";
        o->format_label = "32-bit float";
        o->count_clips = FALSE;
      } else if (strcmp (optarg, "s16") == 0) {
        o->format = "S16LE";
        o->format_label = "16-bit PCM";
        o->count_clips = TRUE;
      } else
        return usage_error (SEPARATE_CMD, "unknown format '%s' (f32 or s16)",
            optarg);
      return NMFTOOL_RUN;
    case 'p':
      if (strcmp (optarg, "auto") && strcmp (optarg, "bar")
          && strcmp (optarg, "lines") && strcmp (optarg, "none"))
        return usage_error (SEPARATE_CMD, "unknown progress mode '%s' "
            "(auto, bar, lines or none)", optarg);
      *progress = optarg;
      return NMFTOOL_RUN;
    case 'q':
      o->quiet = TRUE;
      return NMFTOOL_RUN;
    case 'h':
      fputs (nmftool_separate_help, stdout);
      return 0;
    default:
      return option_error (SEPARATE_CMD, c, argv);
  }
}

int
separate_options_parse (SeparateOptions * o, int argc, char **argv)
{
  static const struct option longopts[] = {
    {"sources", required_argument, NULL, 'n'},
    {"algorithm", required_argument, NULL, 'a'},
    {"components", required_argument, NULL, 'k'},
    {"dictionary", required_argument, NULL, 'd'},
    {"set", required_argument, NULL, 'S'},
    {"profile", required_argument, NULL, 'P'},
    {"format", required_argument, NULL, 'f'},
    {"progress", required_argument, NULL, 'p'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}
  };
  const char *progress = "auto";
  int c, ret;

  memset (o, 0, sizeof *o);
  o->profile = "file";
  o->format = "F32LE";
  o->format_label = "32-bit float";
  o->dictionaries = g_ptr_array_new ();
  o->sets = g_ptr_array_new ();
  optind = 1;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":qh", longopts, NULL)) != -1)
    if ((ret = parse_option (o, c, &progress, argv)) != NMFTOOL_RUN)
      return ret;
  if (o->n_sources == 0)
    return usage_error (SEPARATE_CMD, "--sources is required");
  if (argc - optind != 2)
    return usage_error (SEPARATE_CMD, argc - optind < 2 ? "INPUT and OUTDIR "
        "are required" : "too many arguments: expected INPUT OUTDIR");
  o->input = argv[optind];
  o->outdir = argv[optind + 1];
  if ((ret = check_name_given (SEPARATE_CMD, "INPUT", o->input))
      || (ret = check_name_given (SEPARATE_CMD, "OUTDIR", o->outdir)))
    return ret;
  o->progress = progress_mode (progress, o->quiet);
  return NMFTOOL_RUN;
}

void
separate_options_clear (SeparateOptions * o)
{
  g_clear_pointer (&o->dictionaries, g_ptr_array_unref);
  g_clear_pointer (&o->sets, g_ptr_array_unref);
}

/* What PS takes, for an error that says how to mend the value: "0..1024",
 * "file, live or auto"; newly allocated, or NULL for other types. */
static gchar *
accepted_values (GParamSpec * ps)
{
  if (G_IS_PARAM_SPEC_INT (ps))
    return g_strdup_printf ("%d..%d", G_PARAM_SPEC_INT (ps)->minimum,
        G_PARAM_SPEC_INT (ps)->maximum);
  if (G_IS_PARAM_SPEC_UINT (ps))
    return g_strdup_printf ("%u..%u", G_PARAM_SPEC_UINT (ps)->minimum,
        G_PARAM_SPEC_UINT (ps)->maximum);
  if (G_IS_PARAM_SPEC_INT64 (ps))
    return g_strdup_printf ("%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
        G_PARAM_SPEC_INT64 (ps)->minimum, G_PARAM_SPEC_INT64 (ps)->maximum);
  if (G_IS_PARAM_SPEC_UINT64 (ps))
    return g_strdup_printf ("%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT,
        G_PARAM_SPEC_UINT64 (ps)->minimum, G_PARAM_SPEC_UINT64 (ps)->maximum);
  if (G_IS_PARAM_SPEC_DOUBLE (ps))
    return g_strdup_printf ("%g..%g", G_PARAM_SPEC_DOUBLE (ps)->minimum,
        G_PARAM_SPEC_DOUBLE (ps)->maximum);
  if (G_IS_PARAM_SPEC_FLOAT (ps))
    return g_strdup_printf ("%g..%g", G_PARAM_SPEC_FLOAT (ps)->minimum,
        G_PARAM_SPEC_FLOAT (ps)->maximum);
  if (G_IS_PARAM_SPEC_BOOLEAN (ps))
    return g_strdup ("true or false");
  if (G_IS_PARAM_SPEC_ENUM (ps)) {
    GEnumClass *ec = G_PARAM_SPEC_ENUM (ps)->enum_class;
    GString *s = g_string_new (NULL);
    for (guint i = 0; i < ec->n_values; i++)
      g_string_append_printf (s, "%s%s", i == 0 ? "" : i + 1 == ec->n_values
          ? " or " : ", ", ec->values[i].value_nick);
    return g_string_free (s, FALSE);
  }
  return NULL;
}

/* Set a property from its string form, checked: the property must exist
 * and be writable, the value parse and lie in range; a value refused says
 * what the property takes. */
static int
set_property (GstElement * e, const char *name, const char *value,
    const char *option)
{
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e),
      name);
  GValue v = G_VALUE_INIT;

  if (ps == NULL || !(ps->flags & G_PARAM_WRITABLE))
    return usage_error (SEPARATE_CMD, "%s: nmfseparate has no property "
        "'%s'", option, name);
  g_value_init (&v, ps->value_type);
  if (!gst_value_deserialize_with_pspec (&v, value, ps)
      || g_param_value_validate (ps, &v)) {
    gchar *takes = accepted_values (ps);
    int ret = usage_error (SEPARATE_CMD, "%s: %s=%s: '%s' takes %s", option,
        name, value, ps->name, takes ? takes
        : "another value (see 'gst-inspect-1.0 nmfseparate')");
    g_free (takes);
    g_value_unset (&v);
    return ret;
  }
  g_object_set_property (G_OBJECT (e), name, &v);
  g_value_unset (&v);
  return 0;
}

/* The --dictionary SRC=FILE arguments, checked, with absolute paths (the
 * element may resolve them from another directory). */
static int
dictionary_entries (const SeparateOptions * o, GPtrArray * entries)
{
  guint32 given = 0;            /* the sources so far (at most 16) */
  unsigned long srcs[32];

  for (guint i = 0; i < o->dictionaries->len; i++) {
    const char *arg = g_ptr_array_index (o->dictionaries, i);
    const char *eq = strchr (arg, '=');
    unsigned long src;
    gchar *num;

    if (eq == NULL || eq[1] == '\0')
      return usage_error (SEPARATE_CMD, "--dictionary needs SRC=FILE.npy, "
          "got '%s'", arg);
    num = g_strndup (arg, eq - arg);
    if (parse_ulong (num, 0, o->n_sources - 1, &src) < 0) {
      int ret = usage_error (SEPARATE_CMD, "--dictionary %s: source '%s' "
          "is not in 0..%u", arg, num, o->n_sources - 1);
      g_free (num);
      return ret;
    }
    /* said here, as the command line's (the element said it after the
     * start, as the input's error) */
    if (given & (1u << src)) {
      int ret = usage_error (SEPARATE_CMD, "--dictionary %s: source %s "
          "is given twice", arg, num);
      g_free (num);
      return ret;
    }
    given |= 1u << src;
    srcs[i] = src;              /* (i < 16: no source twice) */
    g_free (num);
  }
  /* the files once the command line is known good */
  for (guint i = 0; i < o->dictionaries->len; i++) {
    const char *arg = g_ptr_array_index (o->dictionaries, i);
    const char *eq = strchr (arg, '=');
    gchar *abs;

    if (access (eq + 1, R_OK) != 0)
      return runtime_error (SEPARATE_CMD, "%s: %s", eq + 1,
          g_strerror (errno));
    abs = g_canonicalize_filename (eq + 1, NULL);
    g_ptr_array_add (entries, g_strdup_printf ("%lu=%s", srcs[i], abs));
    g_free (abs);
  }
  return 0;
}

/* The FILE of each SOURCE=FILE entry of a comma-separated 'dictionaries'
 * string, read as the element reads it: split at every comma, each entry
 * stripped of white space, empty entries skipped, FILE after the first
 * '=' (an entry without one names no file), appended to FILES. */
static void
dictionary_files_of_string (const char *value, GPtrArray * files)
{
  gchar **entries;

  if (value == NULL)
    return;
  entries = g_strsplit (value, ",", -1);
  for (guint i = 0; entries[i]; i++) {
    const char *eq = strchr (g_strstrip (entries[i]), '=');
    if (eq && eq[1])
      g_ptr_array_add (files, g_strdup (eq + 1));
  }
  g_strfreev (entries);
}

/* A string property carries the entries joined with commas and stripped:
 * a file name with a comma, or ending in white space, would reach the
 * element as another file.  Checked on the string itself: each entry must
 * come back whole. */
static int
check_joinable (GPtrArray * entries, const char *joined)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  int ret = 0;

  dictionary_files_of_string (joined, files);
  for (guint i = 0; i < entries->len && ret == 0; i++) {
    const char *file = strchr (g_ptr_array_index (entries, i), '=') + 1;
    if (i < files->len && strcmp (file, g_ptr_array_index (files, i)) == 0)
      continue;
    if (strchr (file, ','))
      ret = usage_error (SEPARATE_CMD, "--dictionary: the file name %s "
          "holds a comma, which this element cannot take: its "
          "'dictionaries' property is one string of comma-separated "
          "SOURCE=FILE entries (rename the file, or give a link to it "
          "without a comma)", file);
    else
      ret = usage_error (SEPARATE_CMD, "--dictionary: the file name '%s' "
          "ends in white space, which this element cannot take: its "
          "'dictionaries' property strips each SOURCE=FILE entry (rename "
          "the file, or give a link to it)", file);
  }
  g_ptr_array_unref (files);
  return ret;
}

/* The entries handed to the element's 'dictionaries' property in the form
 * its type calls for. */
static int
set_dictionaries (GstElement * sep, const SeparateOptions * o)
{
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (sep),
      "dictionaries");
  GPtrArray *entries;
  int ret;

  if (ps == NULL || !(ps->flags & G_PARAM_WRITABLE))
    return usage_error (SEPARATE_CMD, "--dictionary: dictionaries are not "
        "supported by this build (the nmfseparate element has no "
        "'dictionaries' property)");
  entries = g_ptr_array_new_with_free_func (g_free);
  if ((ret = dictionary_entries (o, entries)) != 0)
    goto out;
  if (ps->value_type == G_TYPE_STRV) {
    g_ptr_array_add (entries, NULL);
    g_object_set (sep, "dictionaries", (gchar **) entries->pdata, NULL);
  } else if (ps->value_type == G_TYPE_STRING) {
    gchar *joined;
    g_ptr_array_add (entries, NULL);
    joined = g_strjoinv (",", (gchar **) entries->pdata);
    g_ptr_array_remove_index (entries, entries->len - 1);
    if ((ret = check_joinable (entries, joined)) == 0)
      g_object_set (sep, "dictionaries", joined, NULL);
    g_free (joined);
  } else if (ps->value_type == GST_TYPE_ARRAY
      || ps->value_type == GST_TYPE_LIST) {
    GValue arr = G_VALUE_INIT, s = G_VALUE_INIT;
    g_value_init (&arr, ps->value_type);
    for (guint i = 0; i < entries->len; i++) {
      g_value_init (&s, G_TYPE_STRING);
      g_value_set_string (&s, g_ptr_array_index (entries, i));
      if (ps->value_type == GST_TYPE_ARRAY)
        gst_value_array_append_and_take_value (&arr, &s);
      else
        gst_value_list_append_and_take_value (&arr, &s);
      memset (&s, 0, sizeof s);
    }
    g_object_set_property (G_OBJECT (sep), "dictionaries", &arr);
    g_value_unset (&arr);
  } else {
    ret = usage_error (SEPARATE_CMD, "--dictionary: the element's "
        "'dictionaries' property has type %s, which this nmftool cannot set",
        g_type_name (ps->value_type));
  }
out:
  g_ptr_array_unref (entries);
  return ret;
}

/* A property naming a source must name one of --sources: the element's
 * range is that of its most sources (enrol-source: -1..15), whatever
 * n-sources is. */
static int
check_source_property (GstElement * sep, const SeparateOptions * o)
{
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (sep),
      "enrol-source");
  gint v = -1;

  if (ps == NULL || ps->value_type != G_TYPE_INT
      || !(ps->flags & G_PARAM_READABLE))
    return 0;
  g_object_get (sep, "enrol-source", &v, NULL);
  if (v >= (gint) o->n_sources)
    return usage_error (SEPARATE_CMD, "--set enrol-source=%d: there is no "
        "source %d of %u (0..%u, or -1 for none)", v, v, o->n_sources,
        o->n_sources - 1);
  return 0;
}

/* The element applies the profile to whatever is not set explicitly, so
 * --components and --set override it. */
static int
configure (GstElement * sep, const SeparateOptions * o)
{
  char nbuf[16];
  int ret;

  snprintf (nbuf, sizeof nbuf, "%u", o->n_sources);
  if ((ret = set_property (sep, "n-sources", nbuf, "--sources")))
    return ret;
  if (o->algorithm && (ret = set_property (sep, "algorithm", o->algorithm,
              "--algorithm")))
    return ret;
  if (o->components && (ret = set_property (sep, "components",
              o->components, "--components")))
    return ret;
  if ((ret = set_property (sep, "profile", o->profile, "--profile")))
    return ret;
  for (guint i = 0; i < o->sets->len; i++) {
    gchar **kv = g_strsplit (g_ptr_array_index (o->sets, i), "=", 2);
    /* GObject takes n_sources for n-sources: the checks go by the
     * property's own name */
    GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (sep),
        kv[0]);
    const char *prop = ps ? ps->name : kv[0];
    if (strcmp (prop, "n-sources") == 0)
      ret = usage_error (SEPARATE_CMD, "--set %s: not settable here (give "
          "--sources)", kv[0]);
    else if (strcmp (prop, "output-mode") == 0)
      ret = usage_error (SEPARATE_CMD, "--set %s: not settable here (the "
          "files take audio: output-mode stays audio)", kv[0]);
    else if (strcmp (prop, "name") == 0)
      ret = usage_error (SEPARATE_CMD, "--set %s: not settable here (the "
          "element's name is nmftool's)", kv[0]);
    else if (strcmp (prop, "dictionaries") == 0
        && o->dictionaries->len > 0)
      /* one would silently replace the other */
      ret = usage_error (SEPARATE_CMD, "--set dictionaries and --dictionary "
          "both give the dictionaries: give them one way");
    else
      ret = set_property (sep, kv[0], kv[1], "--set");
    g_strfreev (kv);
    if (ret)
      return ret;
  }
  if ((ret = check_source_property (sep, o)))
    return ret;
  if (o->dictionaries->len > 0)
    return set_dictionaries (sep, o);
  return 0;
}

GPtrArray *
separate_element_dictionary_files (GstElement * sep)
{
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (sep),
      "dictionaries");
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  GValue v = G_VALUE_INIT;

  if (ps == NULL || !(ps->flags & G_PARAM_READABLE))
    return files;
  g_value_init (&v, ps->value_type);
  g_object_get_property (G_OBJECT (sep), "dictionaries", &v);
  if (ps->value_type == G_TYPE_STRING)
    dictionary_files_of_string (g_value_get_string (&v), files);
  else if (ps->value_type == G_TYPE_STRV) {
    const gchar *const *strv = g_value_get_boxed (&v);
    for (guint i = 0; strv && strv[i]; i++) {
      const char *eq = strchr (strv[i], '=');
      if (eq && eq[1])
        g_ptr_array_add (files, g_strdup (eq + 1));
    }
  } else if (ps->value_type == GST_TYPE_ARRAY
      || ps->value_type == GST_TYPE_LIST) {
    guint n = ps->value_type == GST_TYPE_ARRAY ? gst_value_array_get_size (&v)
        : gst_value_list_get_size (&v);
    for (guint i = 0; i < n; i++) {
      const GValue *e = ps->value_type == GST_TYPE_ARRAY
          ? gst_value_array_get_value (&v, i) : gst_value_list_get_value (&v,
          i);
      const char *str = G_VALUE_HOLDS_STRING (e) ? g_value_get_string (e)
          : NULL;
      const char *eq = str ? strchr (str, '=') : NULL;
      if (eq && eq[1])
        g_ptr_array_add (files, g_strdup (eq + 1));
    }
  }
  g_value_unset (&v);
  return files;
}

GstElement *
separate_element_new (const SeparateOptions * o, int *ret)
{
  GstElement *sep = gst_element_factory_make ("nmfseparate", "separate");

  if (sep == NULL) {
    *ret = runtime_error (SEPARATE_CMD, "the GStreamer element nmfseparate "
        "was not found: install gst-nmf, or set GST_PLUGIN_PATH to the "
        "directory holding libgstnmf.so (<build>/plugin)");
    return NULL;
  }
  gst_object_ref_sink (sep);
  /* its messages, once a second, say what the spatial stage did for the
   * summary (next to no work); --set may still change either */
  g_object_set (sep, "post-messages", TRUE, "interval",
      (guint64) GST_SECOND, NULL);
  if ((*ret = configure (sep, o)) != 0)
    gst_clear_object (&sep);
  return sep;
}
