/* libFuzzer target: the separator with spatial = auto on 2..8 channels and
 * 2..8 sources (fewer, as many, more than channels), small FFTs, with and
 * without look-ahead, fed a script read from the fuzz data: raw samples
 * (NaN, Inf, denormals, huge values included), panned mixes of
 * independent sources whose mixing matrix changes from segment to segment
 * (the challenger's refits), delayed (room) mixes, silence, abrupt jumps,
 * resets keeping the model or not, and drains mid-run.  Invariants checked:
 * process writes exactly what pending_* announced, every output sample is
 * finite, output sample n of every source adds up, over the sources, to
 * input sample n (non-finite samples as 0, huge ones clamped), the drain
 * brings the output count to exactly the input count, and the spatial
 * report is in range. */
#include <nmf/error.h>
#include <nmf/separator.h>

#include "fuzz_input.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PUSH 2048
#define MAX_STREAM 24000        /* input frames per run, all streams */
#define MAX_C 8
#define MAX_S 8

static double
uniform (uint64_t * s)
{
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double) (*s >> 11) / 9007199254740992.0;
}

typedef struct
{
  nmf_separator *sep;
  nmf_separator_config cfg;
  int C, S;
  float *audio[MAX_S], *masks[MAX_S];
  size_t cap, mask_cap;         /* frames per output buffer */
  /* this stream's input as the separator sees it (sanitized), its count
   * and how many output frames have been checked against it */
  float *rec;
  size_t n_in, n_out, total;
  double peak;                  /* the stream's largest |sample| */
} run;

static float
sanitized (float x)
{
  if (!isfinite (x))
    return 0.0f;
  if (x > NMF_SEPARATOR_MAX_SAMPLE)
    return NMF_SEPARATOR_MAX_SAMPLE;
  if (x < -NMF_SEPARATOR_MAX_SAMPLE)
    return -NMF_SEPARATOR_MAX_SAMPLE;
  return x;
}

static void
fail (const char *what, size_t i, int c, double a, double b)
{
  fprintf (stderr, "fuzz_spatial: %s at %zu ch %d: %g vs %g\n", what, i, c,
      a, b);
  abort ();
}

/* n output frames: finite, and their sum over sources the input */
static void
check_out (run * r, size_t n)
{
  if (r->n_out + n > r->n_in)
    fail ("more out than in", r->n_out, 0, (double) (r->n_out + n),
        (double) r->n_in);
  /* float rounding of S images, each up to a few times the input */
  const double tol = 1e-4 * r->peak * r->S + 1e-30;
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < r->C; c++) {
      double sum = 0.0;
      for (int s = 0; s < r->S; s++) {
        float v = r->audio[s][i * r->C + c];
        if (!isfinite (v))
          fail ("non-finite output", r->n_out + i, c, v, s);
        sum += v;
      }
      double want = r->rec[(r->n_out + i) * r->C + c];
      if (fabs (sum - want) > tol && getenv ("FUZZ_SPATIAL_VERBOSE"))
        for (int s = 0; s < r->S; s++)
          fprintf (stderr, "source %d: %g\n", s, r->audio[s][i * r->C + c]);
      if (fabs (sum - want) > tol)
        fail ("sources do not sum to the input", r->n_out + i, c, sum, want);
    }
  r->n_out += n;
}

/* masks: finite, in [0, 1], the sources' shares adding up to 1 at most */
static void
check_masks (run * r, size_t frames)
{
  const size_t F = nmf_separator_bins (r->sep);
  for (size_t j = 0; j < frames * F; j++) {
    double sum = 0.0;
    for (int s = 0; s < r->S; s++) {
      float m = r->masks[s][j];
      if (!(m >= 0.0f && m <= 1.0f + 1e-5f))
        fail ("mask", j, s, m, 0);
      sum += m;
    }
    if (sum > 1.0 + 1e-4)
      fail ("masks add up to more than 1", j, 0, sum, 1);
  }
}

static void
check_spatial (run * r)
{
  nmf_separator_spatial sp;
  nmf_separator_get_spatial (r->sep, &sp);
  if (sp.state < NMF_SPATIAL_STATE_UNUSED
      || sp.state > NMF_SPATIAL_STATE_NOT_DIVERSE || !isfinite (sp.imaginary)
      || sp.imaginary < 0.0)
    fail ("spatial report", 0, 0, sp.state, sp.imaginary);
  if (sp.state == NMF_SPATIAL_STATE_ACTIVE)
    for (int s = 0; s < r->S; s++)
      if (!(sp.position[s] >= -1.0 - 1e-9 && sp.position[s] <= 1.0 + 1e-9))
        fail ("position", 0, s, sp.position[s], 0);
}

static void
push (run * r, const float *in, size_t frames)
{
  while (frames > 0) {
    size_t n = frames < MAX_PUSH ? frames : MAX_PUSH;
    for (size_t i = 0; i < n * r->C; i++) {
      float v = sanitized (in[i]);
      r->rec[r->n_in * r->C + i] = v;
      if (fabs (v) > r->peak)
        r->peak = fabs (v);
    }
    size_t want_a = nmf_separator_pending_audio (r->sep, n), got_a = 0;
    size_t want_m = nmf_separator_pending_masks (r->sep, n), got_m = 0;
    nmf_separator_output out = { r->audio, r->masks };
    r->n_in += n;
    if (nmf_separator_process (r->sep, in, n, &out, &got_a, &got_m) != NMF_OK
        || got_a != want_a || got_m != want_m)
      fail ("process count", r->n_in, 0, got_a, want_a);
    check_out (r, got_a);
    check_masks (r, got_m);
    check_spatial (r);
    in += n * r->C;
    frames -= n;
  }
}

/* end: -1 the end of the stream (drain), 0 or 1 a reset (keep_model) */
static void
end_stream (run * r, int end)
{
  if (getenv ("FUZZ_SPATIAL_VERBOSE")) {
    nmf_separator_spatial sp;
    nmf_separator_get_spatial (r->sep, &sp);
    fprintf (stderr, "stream: %d channels, %d sources, %zu samples, "
        "spatial state %d (imaginary %.3f)\n", r->C, r->S, r->n_in,
        sp.state, sp.imaginary);
  }
  if (end >= 0) {
    nmf_separator_reset (r->sep, end);
  } else {
    size_t want = nmf_separator_drain_audio (r->sep), got = 0;
    if (r->n_out + want != r->n_in)
      fail ("drain count", r->n_in, 0, r->n_out + want, r->n_in);
    size_t want_m = nmf_separator_drain_masks (r->sep), got_m = 0;
    nmf_separator_output out = { r->audio, r->masks };
    if (nmf_separator_drain (r->sep, &out, &got, &got_m) != NMF_OK
        || got != want || got_m != want_m)
      fail ("drain wrote", r->n_in, 0, got, want);
    check_out (r, got);
    check_masks (r, got_m);
  }
  nmf_separator_stats st;
  nmf_separator_get_stats (r->sep, &st);
  if (st.samples_in != 0 || st.samples_out != 0)
    fail ("stats after the stream", 0, 0, st.samples_in, st.samples_out);
  /* the record starts again with the stream; MAX_STREAM bounds the run */
  r->total += r->n_in;
  r->n_in = r->n_out = 0;
  r->peak = 0.0;
}

/* the output buffers for the separator in r->sep */
static void
make_buffers (run * r)
{
  nmf_separator_get_config (r->sep, &r->cfg);
  r->C = r->cfg.channels;
  r->S = r->cfg.sources;
  r->cap = MAX_PUSH + (size_t) r->cfg.fft_size
      + ((size_t) r->cfg.lookahead_frames + 1) * r->cfg.hop_size;
  r->mask_cap = MAX_PUSH / r->cfg.hop_size + 8
      + (size_t) r->cfg.lookahead_frames;
  for (int s = 0; s < MAX_S; s++) {
    free (r->audio[s]);
    free (r->masks[s]);
    r->audio[s] = r->masks[s] = NULL;
  }
  for (int s = 0; s < r->S; s++) {
    r->audio[s] = malloc (sizeof (float) * r->cap * r->C);
    r->masks[s] = malloc (sizeof (float) * r->mask_cap
        * nmf_separator_bins (r->sep));
  }
}

/* independent non-stationary sources: filtered noise, its level drawn
 * again every `block` samples, silent now and then */
typedef struct
{
  uint64_t st;
  double y[MAX_S], level[MAX_S], a[MAX_S];
} sources;

static float
next_source (sources * g, int s, size_t i, size_t block, double scale)
{
  if (i % block == 0) {
    double u = uniform (&g->st);
    g->level[s] = u < 0.15 ? 0.0 : exp (3.0 * (uniform (&g->st) - 0.5));
  }
  g->y[s] = g->a[s] * g->y[s] + (uniform (&g->st) - 0.5);
  return (float) (scale * g->level[s] * g->y[s]);
}

static const float specials[] = {
  NAN, INFINITY, -INFINITY, 1e-40f, -1e-45f, FLT_MAX, -FLT_MAX, 1e15f,
  2e15f, -3e20f, 1e-30f, 0.0f, -0.0f, 1.0f, -1.0f, 0.5f
};

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  static const int ffts[] = { 32, 64, 128 };
  static float buf[MAX_STREAM * MAX_C];
  run r;
  memset (&r, 0, sizeof r);

  nmf_separator_config_init (&r.cfg);
  r.cfg.spatial = NMF_SPATIAL_AUTO;
  r.cfg.channels = r.C = 2 + take (&data, &size) % 7;
  r.cfg.sources = r.S = 2 + take (&data, &size) % 7;
  uint8_t b = take (&data, &size);
  r.cfg.fft_size = ffts[b % 3];
  r.cfg.hop_size = r.cfg.fft_size / (b / 3 % 2 ? 2 : 4);
  b = take (&data, &size);
  r.cfg.lookahead_frames = b < 128 ? 0 : b < 240 ? b - 127 : (b - 239) * 40;
  b = take (&data, &size);
  r.cfg.window_frames = 1 + b % 40;
  r.cfg.iterations = 1 + b / 40 % 3;
  b = take (&data, &size);
  r.cfg.components = r.S + b % 3;
  r.cfg.mask_exponent = 1 + b / 3 % 2;
  r.cfg.bands_per_octave = b / 6 % 2 ? 12 : 0;
  r.cfg.seed = take (&data, &size);

  if (nmf_separator_create (&r.sep, &r.cfg, NULL, 0) != NMF_OK)
    return 0;
  make_buffers (&r);
  r.rec = malloc (sizeof (float) * MAX_STREAM * MAX_C);

  sources g;
  memset (&g, 0, sizeof g);
  int C = r.C, S = r.S, hop = r.cfg.hop_size;
  double A[MAX_C * MAX_S];      /* the mix: channel c gets A[c * S + s] */
  int delay[MAX_C * MAX_S];
  memset (delay, 0, sizeof delay);
  for (int i = 0; i < MAX_C * MAX_S; i++)
    A[i] = 0.2 + 0.8 * ((i * 37) % 11) / 10.0;
  double scale = 0.1;

  while (size > 0) {
    uint8_t op = take (&data, &size);
    size_t room = MAX_STREAM - r.total - r.n_in;
    size_t n = 0;
    switch (op % 9) {
      case 0:{                 /* raw samples */
        n = 1 + take (&data, &size) * 4;
        size_t avail = size / (sizeof (float) * C);
        if (n > avail)
          n = avail;
        if (n > room)
          n = room;
        memcpy (buf, data, sizeof (float) * n * C);
        data += sizeof (float) * n * C;
        size -= sizeof (float) * n * C;
        break;
      }
      case 1:                  /* a new mix: gains, sources playing */
      case 2:{                 /* ... and delays between the channels */
        for (int i = 0; i < C * S; i++) {
          uint8_t v = take (&data, &size);
          /* exact zeros and repeated columns included */
          A[i] = v < 16 ? 0.0 : v < 32 ? A[i % C * S] : (v - 144) / 64.0;
          delay[i] = op % 9 == 2 ? take (&data, &size) % 24 : 0;
        }
      }
        /* fall through */
      case 7:{                 /* the same mix, louder or quieter */
        uint8_t mask = take (&data, &size);
        b = take (&data, &size);
        if (op % 9 == 7)
          scale *= pow (10.0, (b - 128) / 16.0);
        g.st = b + 1;
        for (int s = 0; s < S; s++)
          g.a[s] = (s % 3 == 0 ? 0.9 : s % 3 == 1 ? 0.2 : -0.6)
              + 0.01 * s;
        n = (size_t) (1 + take (&data, &size)) * hop;
        if (n > room)
          n = room;
        static float src[MAX_S][MAX_STREAM + 24];
        for (int s = 0; s < S; s++)
          for (size_t i = 0; i < n + 24; i++)
            src[s][i] = (mask >> s & 1) ?
                next_source (&g, s, i, 2 * (size_t) hop, scale) : 0.0f;
        for (size_t i = 0; i < n; i++)
          for (int c = 0; c < C; c++) {
            double x = 0.0;
            for (int s = 0; s < S; s++)
              x += A[c * S + s] * src[s][i + 23 - delay[c * S + s]];
            buf[i * C + c] = (float) x;
          }
        break;
      }
      case 3:                  /* silence */
        n = (size_t) (1 + take (&data, &size)) * 8;
        if (n > room)
          n = room;
        memset (buf, 0, sizeof (float) * n * C);
        break;
      case 4:{                 /* special values among a quiet signal */
        n = 1 + take (&data, &size) % 64;
        if (n > room)
          n = room;
        for (size_t i = 0; i < n * C; i++) {
          uint8_t v = take (&data, &size);
          buf[i] = v < 64 ? specials[v % 16] : (v - 160) / 256.0f;
        }
        break;
      }
      case 5:                  /* a seek or a new stream */
        end_stream (&r, take (&data, &size) % 2);
        continue;
      case 6:                  /* the end of a stream */
        end_stream (&r, -1);
        continue;
      case 8:{                 /* a caps change: another separator goes on
                                 * from this one */
        nmf_separator_config cfg = r.cfg;
        nmf_separator *next = NULL;
        b = take (&data, &size);
        cfg.channels = b % 3 == 0 ? 2 + take (&data, &size) % 7 : r.C;
        cfg.sources = b % 5 == 0 ? 2 + take (&data, &size) % 7 : r.S;
        cfg.components = cfg.sources + (r.cfg.components - r.S);
        cfg.fft_size = ffts[b / 15 % 3];
        cfg.hop_size = cfg.fft_size / 4;
        cfg.lookahead_frames = b & 0x80 ? (b >> 3) % 16 : 0;
        end_stream (&r, -1);
        if (nmf_separator_create (&next, &cfg, NULL, 0) != NMF_OK)
          continue;
        if (nmf_separator_continue_from (next, r.sep, b & 1) != NMF_OK)
          fail ("continue_from", 0, 0, 0, 0);
        nmf_separator_destroy (&r.sep);
        r.sep = next;
        make_buffers (&r);
        C = r.C;
        S = r.S;
        hop = r.cfg.hop_size;
        continue;
      }
    }
    if (n == 0)
      break;
    /* pushed in pieces of a fuzz-chosen size */
    size_t piece = 1 + take (&data, &size) * 8, off = 0;
    if (getenv ("FUZZ_SPATIAL_VERBOSE")) {
      double peak = 0.0;
      for (size_t i = 0; i < n * C; i++)
        if (isfinite (buf[i]) && fabs (buf[i]) > peak)
          peak = fabs (buf[i]);
      fprintf (stderr, "op %d: %zu samples from %zu in pieces of %zu, "
          "peak %g\n", op % 9, n, r.n_in, piece, peak);
    }
    while (off < n) {
      size_t k = n - off < piece ? n - off : piece;
      push (&r, buf + off * C, k);
      off += k;
    }
  }
  end_stream (&r, -1);

  for (int s = 0; s < MAX_S; s++) {
    free (r.audio[s]);
    free (r.masks[s]);
  }
  free (r.rec);
  nmf_separator_destroy (&r.sep);
  return 0;
}
