/* Quality-bench harness: runs core/separator on a WAV file without
 * GStreamer, optionally with dictionaries learned from example clips
 * (core/dictionary.h), and writes one WAV per source.  Built and driven by
 * core_eval.py; not part of the meson build.
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
 * Prints "frames cpu_seconds" on stdout. */
#include "dictionary.h"
#include "nmf_error.h"
#include "separator.h"
#include "wavio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
main (int argc, char **argv)
{
  nmf_separator_config cfg;
  const char *learn_path[NMF_SEPARATOR_MAX_SOURCES] = { 0 };
  const char *dict_path[NMF_SEPARATOR_MAX_SOURCES] = { 0 };
  int learn_k[NMF_SEPARATOR_MAX_SOURCES] = { 0 };
  int learn_iter = 200;
  int shifts = 0, shift_steps = 1;
  const char *pos[2];
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

  float *dict[NMF_SEPARATOR_MAX_SOURCES] = { 0 };
  for (int s = 0; s < cfg.sources; s++) {
    char err[256] = "";
    int ks = 0;
    if (learn_path[s]) {
      wav_data tr;
      if (wav_read (learn_path[s], &tr))
        return 1;
      dict[s] = malloc (sizeof (float) * bins * learn_k[s]);
      int ret = nmf_dictionary_learn_audio (tr.samples, tr.frames,
          tr.channels, cfg.fft_size, cfg.hop_size, learn_k[s], learn_iter,
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
    cfg.dictionary_components[s] = ks;
  }

  const char *msg;
  if (nmf_separator_check_config (&cfg, &msg) != NMF_OK) {
    fprintf (stderr, "config: %s\n", msg);
    return 1;
  }
  nmf_separator *sep;
  int ret = nmf_separator_create (&sep, &cfg);
  if (ret != NMF_OK) {
    fprintf (stderr, "create: %s\n", nmf_strerror (ret));
    return 1;
  }
  const int S = cfg.sources, C = cfg.channels;
  size_t n = mix.frames;
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
  nmf_separator_stats st;
  nmf_separator_get_stats (sep, &st);
  printf ("%llu %.3f\n", (unsigned long long) st.frames, cpu);
  fprintf (stderr, "rank %d\n", nmf_separator_rank (sep));
  nmf_separator_destroy (&sep);
  wav_free (&mix);
  return 0;
}
