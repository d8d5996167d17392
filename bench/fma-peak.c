/*
 * The FLOP rate this CPU actually delivers on fused multiply-adds, for the throughput bench.
 *
 * The nominal ceiling (cores x clock x 2 FMA pipes x lanes x 2) assumes each vCPU owns a whole
 * core at its listed clock. Under a hypervisor that is not a given (an SMT sibling may belong to
 * another guest, the clock may differ), so the bench measures what a loop of nothing but
 * independent 256-bit FMAs reaches on 1 and on all cores and reports model throughput against
 * both numbers.
 *
 * Build: cc -O2 -mavx2 -mfma -pthread bench/fma-peak.c -o fma-peak
 * Run:   ./fma-peak [threads] [seconds]    prints "threads gflops_wall gflops_per_cpu_second"
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* FMA latency is 4-5 cycles on recent x86 and there are 2 pipes, so 10+ independent chains keep
 * both pipes full. */
#define CHAINS 12
#define INNER 1000000L

static double seconds_of(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

struct job {
  long rounds;
  float sink;
};

static void *spin(void *arg) {
  struct job *job = arg;
  /* Twelve named accumulators, not an array: an array is kept on the stack at -O2 and every FMA
   * then waits for a store and a load. */
  __m256 a0 = _mm256_set1_ps(0.001f), a1 = _mm256_set1_ps(0.002f), a2 = _mm256_set1_ps(0.003f);
  __m256 a3 = _mm256_set1_ps(0.004f), a4 = _mm256_set1_ps(0.005f), a5 = _mm256_set1_ps(0.006f);
  __m256 a6 = _mm256_set1_ps(0.007f), a7 = _mm256_set1_ps(0.008f), a8 = _mm256_set1_ps(0.009f);
  __m256 a9 = _mm256_set1_ps(0.010f), a10 = _mm256_set1_ps(0.011f), a11 = _mm256_set1_ps(0.012f);
  const __m256 mul = _mm256_set1_ps(0.999999f);
  const __m256 add = _mm256_set1_ps(0.000001f);
  for (long r = 0; r < job->rounds; r++) {
    for (long i = 0; i < INNER; i++) {
      a0 = _mm256_fmadd_ps(a0, mul, add);
      a1 = _mm256_fmadd_ps(a1, mul, add);
      a2 = _mm256_fmadd_ps(a2, mul, add);
      a3 = _mm256_fmadd_ps(a3, mul, add);
      a4 = _mm256_fmadd_ps(a4, mul, add);
      a5 = _mm256_fmadd_ps(a5, mul, add);
      a6 = _mm256_fmadd_ps(a6, mul, add);
      a7 = _mm256_fmadd_ps(a7, mul, add);
      a8 = _mm256_fmadd_ps(a8, mul, add);
      a9 = _mm256_fmadd_ps(a9, mul, add);
      a10 = _mm256_fmadd_ps(a10, mul, add);
      a11 = _mm256_fmadd_ps(a11, mul, add);
    }
  }
  __m256 total = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                               _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  total = _mm256_add_ps(total, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  float out[8];
  _mm256_storeu_ps(out, total);
  job->sink = out[0];
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  double target = argc > 2 ? atof(argv[2]) : 2.0;
  if (threads < 1 || threads > 256 || target <= 0) {
    fprintf(stderr, "usage: fma-peak [threads 1-256] [seconds]\n");
    return 2;
  }
  /* Calibrate: one round on one thread, then size the run to about `target` seconds. */
  struct job probe = {1, 0};
  double t0 = seconds_of(CLOCK_MONOTONIC);
  spin(&probe);
  double one = seconds_of(CLOCK_MONOTONIC) - t0;
  long rounds = (long)(target / (one > 1e-6 ? one : 1e-6));
  if (rounds < 1) rounds = 1;

  pthread_t ids[256];
  struct job jobs[256];
  double wall0 = seconds_of(CLOCK_MONOTONIC);
  double cpu0 = seconds_of(CLOCK_PROCESS_CPUTIME_ID);
  for (int t = 0; t < threads; t++) {
    jobs[t].rounds = rounds;
    pthread_create(&ids[t], NULL, spin, &jobs[t]);
  }
  float sink = probe.sink;
  for (int t = 0; t < threads; t++) {
    pthread_join(ids[t], NULL);
    sink += jobs[t].sink;
  }
  double wall = seconds_of(CLOCK_MONOTONIC) - wall0;
  double cpu = seconds_of(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  double flops = (double)threads * rounds * INNER * CHAINS * 8 * 2;
  printf("%d %.2f %.2f %g\n", threads, flops / wall / 1e9, flops / cpu / 1e9, (double)sink * 0);
  return 0;
}
