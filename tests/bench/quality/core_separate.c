/* Quality-bench harness: runs core/separator on a WAV file without
 * GStreamer, optionally with dictionaries learned from example clips
 * (<nmf/dictionary.h>), and writes one WAV per source.  Built by meson
 * (tests/meson.build: BUILD/tests/core_separate), driven by core_eval.py.
 *
 *   core_separate [options] mix.wav out_dir
 *     --sources S --components K --iterations I --window-frames W
 *     --regroup-interval N --algorithm kl|volmin --mask-exponent P
 *     --fft-size N --hop-size H --seed X
 *     --learn SOURCE TRAIN.wav KS   learn KS templates for SOURCE from TRAIN
 *     --dict SOURCE FILE.npy        templates for SOURCE from a .npy file
 *     --learn-iterations N          batch KL-NMF iterations for --learn
 *     --shifts R                    add copies of the learned templates
 *                                   shifted by -R..R semitones
 *                                   (nmf_dictionary_shift)
 *     --shift-steps N               N shifts per semitone (default 1)
 *     --profile file|live           the element's profile settings
 *                                   (nmf_separator_config_apply_profile)
 *                                   for every setting not given
 *     --dump FILE                   write, for every mask frame, what the
 *                                   oracle grouping of core_eval.py
 *                                   --oracle needs (format below)
 * Prints "samples cpu_seconds" on stdout: the samples written per channel and
 * source (the input's count), and the separation's CPU time.
 *
 * --dump FILE: a header of int32 values - 0x444d464e ("NFMD"), 1 (the
 * format), bins, model bins, rank, sources, fft size, hop size, look-ahead
 * frames, mask exponent, updates per hop (iterations) - then bins int32 values, the band of each bin (0..bins-1 when
 * the model sees every bin), then per mask frame, in the order they come
 * out: int32 frame index; model-bins float32, the frame's magnitude on the
 * model's axis (summed in bands); model-bins x rank float32, the templates
 * in force when the frame's masks were made (column-major: component k's
 * template at k * model-bins); rank int32, each component's source
 * (nmf_separator_assignment; k when there is no grouping); sources x
 * model-bins float32, the masks the separator made (each band's value). */
#include <nmf/dictionary.h>
#include <nmf/error.h>
#include <nmf/separator.h>
#include "logfreq.h"           /* the model's band axis, for the dump */
#include "wavio.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct
{
  FILE *f;
  const nmf_separator *sep;
  int bins, model_bins, rank, sources;
  int *band_of;
  int *first_bin;               /* model_bins: first bin of each band */
  float *buf;
  int failed;
} dump_state;

static void
dump_frame (void *user_data, uint64_t frame, const float *magnitude,
    const float *masks, const double *energy)
{
  dump_state *d = user_data;
  const int F = d->bins, MB = d->model_bins, R = d->rank, S = d->sources;
  const int *assign = nmf_separator_assignment (d->sep);
  int32_t idx = (int32_t) frame;

  (void) energy;
  memset (d->buf, 0, sizeof (float) * MB);
  for (int f = 0; f < F; f++)
    d->buf[d->band_of[f]] += magnitude[f];
  int ok = fwrite (&idx, sizeof idx, 1, d->f) == 1
      && fwrite (d->buf, sizeof (float), MB, d->f) == (size_t) MB
      && fwrite (nmf_separator_templates (d->sep), sizeof (float),
      (size_t) MB * R, d->f) == (size_t) MB * R;
  for (int k = 0; ok && k < R; k++) {
    int32_t s = assign ? assign[k] : k;
    ok = fwrite (&s, sizeof s, 1, d->f) == 1;
  }
  for (int s = 0; ok && s < S; s++) {
    for (int b = 0; b < MB; b++)
      d->buf[b] = masks[(size_t) s * F + d->first_bin[b]];
    ok = fwrite (d->buf, sizeof (float), MB, d->f) == (size_t) MB;
  }
  if (!ok)
    d->failed = 1;
}

int
main (int argc, char **argv)
{
  nmf_separator_config cfg;
  nmf_profile profile = NMF_PROFILE_NONE;
  const char *learn_path[NMF_SEPARATOR_MAX_SOURCES] = { 0 };
  const char *dict_path[NMF_SEPARATOR_MAX_SOURCES] = { 0 };
  int learn_k[NMF_SEPARATOR_MAX_SOURCES] = { 0 };
  int learn_iter = 200;
  int shifts = 0, shift_steps = 1;
  const char *pos[2];
  const char *dump_path = NULL;
  int npos = 0;

  nmf_separator_config_init (&cfg);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
#define ARG(name, field) \
    if (!strcmp (a, name) && i + 1 < argc) { cfg.field = atoi (argv[++i]); continue; }
    ARG ("--sources", sources);
    ARG ("--components", components);
    ARG ("--iterations", iterations);
    ARG ("--window-frames", window_frames);
    ARG ("--regroup-interval", regroup_interval);
    ARG ("--mask-exponent", mask_exponent);
    ARG ("--fft-size", fft_size);
    ARG ("--hop-size", hop_size);
    ARG ("--update-interval", update_interval);
    ARG ("--bands-per-octave", bands_per_octave);
    ARG ("--lookahead-frames", lookahead_frames);
    if (!strcmp (a, "--seed") && i + 1 < argc) {
      cfg.seed = strtoull (argv[++i], NULL, 10);
      continue;
    }
    if (!strcmp (a, "--algorithm") && i + 1 < argc) {
      cfg.algorithm = !strcmp (argv[++i], "volmin") ? NMF_ALGORITHM_VOLMIN
          : NMF_ALGORITHM_KL;
      continue;
    }
    if (!strcmp (a, "--profile") && i + 1 < argc) {
      const char *p = argv[++i];
      if (!strcmp (p, "file"))
        profile = NMF_PROFILE_FILE;
      else if (!strcmp (p, "live"))
        profile = NMF_PROFILE_LIVE;
      else {
        fprintf (stderr, "core_separate: --profile file or live\n");
        return 2;
      }
      /* the profile's fields given before it (core_eval.py puts
       * --components K first) go back to AUTO, so that the profile sets
       * them and only options after --profile override it */
      cfg.components = NMF_SEPARATOR_AUTO;
      cfg.bands_per_octave = NMF_SEPARATOR_AUTO;
      cfg.iterations = NMF_SEPARATOR_AUTO;
      cfg.mask_exponent = NMF_SEPARATOR_AUTO;
      cfg.lookahead_frames = NMF_SEPARATOR_AUTO;
      continue;
    }
    if (!strcmp (a, "--dump") && i + 1 < argc) {
      dump_path = argv[++i];
      continue;
    }
    if (!strcmp (a, "--learn-iterations") && i + 1 < argc) {
      learn_iter = atoi (argv[++i]);
      continue;
    }
    if (!strcmp (a, "--shift-steps") && i + 1 < argc) {
      shift_steps = atoi (argv[++i]);
      continue;
    }
    if (!strcmp (a, "--shifts") && i + 1 < argc) {
      shifts = atoi (argv[++i]);
      continue;
    }
    if (!strcmp (a, "--learn") && i + 3 < argc) {
      int s = atoi (argv[++i]);
      if (s < 0 || s >= NMF_SEPARATOR_MAX_SOURCES)
        return 2;
      learn_path[s] = argv[++i];
      learn_k[s] = atoi (argv[++i]);
      continue;
    }
    if (!strcmp (a, "--dict") && i + 2 < argc) {
      int s = atoi (argv[++i]);
      if (s < 0 || s >= NMF_SEPARATOR_MAX_SOURCES)
        return 2;
      dict_path[s] = argv[++i];
      continue;
    }
    if (a[0] == '-' || npos == 2) {
      fprintf (stderr, "core_separate: bad argument %s\n", a);
      return 2;
    }
    pos[npos++] = a;
  }
  if (npos != 2) {
    fprintf (stderr, "usage: core_separate [options] mix.wav out_dir\n");
    return 2;
  }

  wav_data mix;
  if (wav_read (pos[0], &mix))
    return 1;
  cfg.channels = mix.channels;
  const int bins = cfg.fft_size / 2 + 1;
  /* the hop the separator will use, for the dictionaries learned here */
  const int hop = cfg.hop_size == NMF_SEPARATOR_AUTO ? cfg.fft_size / 4
      : cfg.hop_size;

  float *dict[NMF_SEPARATOR_MAX_SOURCES] = { 0 };
  for (int s = 0; s < cfg.sources; s++) {
    char err[256] = "";
    size_t ks = 0;
    if (learn_path[s]) {
      wav_data tr;
      if (wav_read (learn_path[s], &tr))
        return 1;
      dict[s] = malloc (sizeof (float) * bins * learn_k[s]);
      int ret = nmf_dictionary_learn_audio (tr.samples, tr.frames,
          tr.channels, cfg.fft_size, hop, learn_k[s], learn_iter,
          cfg.seed, dict[s], err, sizeof err);
      if (ret != NMF_OK) {
        fprintf (stderr, "learn %s: %s\n", learn_path[s], err);
        return 1;
      }
      ks = learn_k[s];
      wav_free (&tr);
      if (shifts > 0) {
        int copies = 2 * shifts * shift_steps + 1;
        float *sh = malloc (sizeof (float) * bins * ks * copies);
        if (nmf_dictionary_shift_steps (dict[s], bins, ks, shifts,
                shift_steps, sh, err, sizeof err) != NMF_OK) {
          fprintf (stderr, "shift: %s\n", err);
          return 1;
        }
        free (dict[s]);
        dict[s] = sh;
        ks *= copies;
      }
    } else if (dict_path[s]) {
      int ret = nmf_dictionary_load_npy (dict_path[s], bins, &dict[s], &ks,
          err, sizeof err);
      if (ret != NMF_OK) {
        fprintf (stderr, "%s\n", err);
        return 1;
      }
    }
    cfg.dictionaries[s] = dict[s];
    cfg.dictionary_components[s] = (int) ks;
  }

  char msg[256] = "";
  nmf_separator_config_apply_profile (&cfg, profile);
  if (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) != NMF_OK) {
    fprintf (stderr, "config: %s\n", msg);
    return 1;
  }
  nmf_separator *sep;
  int ret = nmf_separator_create (&sep, &cfg, NULL, 0);
  if (ret != NMF_OK) {
    fprintf (stderr, "create: %s\n", nmf_strerror (ret));
    return 1;
  }
  nmf_separator_get_config (sep, &cfg);
  const int S = cfg.sources, C = cfg.channels;
  size_t n = mix.frames;
  dump_state dump = { 0 };
  if (dump_path) {
    dump.f = fopen (dump_path, "wb");
    dump.sep = sep;
    dump.bins = bins;
    dump.rank = nmf_separator_rank (sep);
    dump.sources = S;
    dump.band_of = malloc (sizeof (int) * bins);
    dump.model_bins = cfg.bands_per_octave > 0
        ? nmf_logfreq_partition (bins, cfg.bands_per_octave, dump.band_of) : bins;
    if (cfg.bands_per_octave <= 0)
      for (int f = 0; f < bins; f++)
        dump.band_of[f] = f;
    if (!dump.f || (size_t) dump.model_bins != nmf_separator_model_bins (sep)
        || cfg.algorithm != NMF_ALGORITHM_KL) {
      fprintf (stderr, "dump: cannot open %s, or its band axis (%d bands) is "
          "not the separator's (%d), or the algorithm is not kl\n", dump_path,
          dump.model_bins, (int) nmf_separator_model_bins (sep));
      return 1;
    }
    dump.first_bin = malloc (sizeof (int) * dump.model_bins);
    dump.buf = malloc (sizeof (float) * (bins > dump.model_bins ? bins
            : dump.model_bins));
    for (int f = bins - 1; f >= 0; f--)
      dump.first_bin[dump.band_of[f]] = f;
    int32_t head[11] = { 0x444d464e, 1, bins, dump.model_bins, dump.rank, S,
      cfg.fft_size, cfg.hop_size, cfg.lookahead_frames, cfg.mask_exponent,
      cfg.iterations
    };
    fwrite (head, sizeof (int32_t), 11, dump.f);
    for (int f = 0; f < bins; f++) {
      int32_t b = dump.band_of[f];
      fwrite (&b, sizeof b, 1, dump.f);
    }
    nmf_separator_set_frame_observer (sep, dump_frame, &dump);
  }
  float *out[NMF_SEPARATOR_MAX_SOURCES];
  float *ptr[NMF_SEPARATOR_MAX_SOURCES];
  for (int s = 0; s < S; s++)
    out[s] = calloc ((n + cfg.fft_size) * C, sizeof (float));
  nmf_separator_output o = { ptr, NULL };
  size_t done = 0, got;
  clock_t t0 = clock ();
  for (size_t p = 0; p < n; p += 4096) {
    size_t chunk = n - p < 4096 ? n - p : 4096;
    for (int s = 0; s < S; s++)
      ptr[s] = out[s] + done * C;
    nmf_separator_process (sep, mix.samples + p * C, chunk, &o, &got, NULL);
    done += got;
  }
  for (int s = 0; s < S; s++)
    ptr[s] = out[s] + done * C;
  nmf_separator_drain (sep, &o, &got, NULL);
  done += got;
  double cpu = (double) (clock () - t0) / CLOCKS_PER_SEC;
  for (int s = 0; s < S; s++) {
    char path[4096];
    snprintf (path, sizeof path, "%s/est_%d.wav", pos[1], s);
    if (wav_write_float (path, out[s], done, C, mix.rate))
      return 1;
    free (out[s]);
    free (dict[s]);
  }
  if (dump.f) {
    if (fclose (dump.f) != 0 || dump.failed) {
      fprintf (stderr, "dump: writing %s failed\n", dump_path);
      return 1;
    }
    free (dump.band_of);
    free (dump.first_bin);
    free (dump.buf);
  }
  printf ("%zu %.3f\n", done, cpu);
  fprintf (stderr, "rank %zu\n", nmf_separator_rank (sep));
  nmf_separator_destroy (&sep);
  wav_free (&mix);
  return 0;
}
