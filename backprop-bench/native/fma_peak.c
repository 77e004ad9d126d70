/*
 * The hardware's float32 FMA peak, measured in C, to check the Java Vector API figure that
 * `./backprop bench` quotes percentages against.
 *
 * Each thread runs 12 independent chains of the widest fused multiply-adds the CPU has (512-bit or 256-bit; enough to cover the FMA
 * latency on two pipes). The chains start from different values: with identical starting values
 * a C compiler is free to merge them into one chain, which runs at the FMA latency instead of its
 * throughput and makes the flop count (12 chains assumed, 1 executed) three times too high.
 * The program also times a chain of dependent integer adds (one cycle each) to report the clock,
 * and from it the FMA flops per cycle per core.
 *
 * Build and run: backprop-bench/native/peak   (needs gcc; Debian: apt install gcc)
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The widest FMA this CPU has (compiled with -march=native): AVX-512 on Zen 4 and 5, AVX2 where
   the CPU (or the virtual CPU the hypervisor shows) has no AVX-512. */
#ifdef __AVX512F__
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMADD _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define STORE _mm512_storeu_ps
#define WIDTH "AVX-512"
#else
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMADD _mm256_fmadd_ps
#define ADD _mm256_add_ps
#define STORE _mm256_storeu_ps
#define WIDTH "AVX2"
#endif

static const long STEPS = 200000000L;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *fma_chains(void *arg) {
    float seed = (float) (long) arg;
    vec m = SET1(0.999f), a = SET1(0.001f);
    vec x[12];
    for (int i = 0; i < 12; i++) {
        x[i] = SET1(seed + i);
    }
    for (long s = 0; s < STEPS; s++) {
        x[0] = FMADD(x[0], m, a);   x[1] = FMADD(x[1], m, a);
        x[2] = FMADD(x[2], m, a);   x[3] = FMADD(x[3], m, a);
        x[4] = FMADD(x[4], m, a);   x[5] = FMADD(x[5], m, a);
        x[6] = FMADD(x[6], m, a);   x[7] = FMADD(x[7], m, a);
        x[8] = FMADD(x[8], m, a);   x[9] = FMADD(x[9], m, a);
        x[10] = FMADD(x[10], m, a); x[11] = FMADD(x[11], m, a);
    }
    vec sum = x[0];
    for (int i = 1; i < 12; i++) {
        sum = ADD(sum, x[i]);
    }
    float lanes[LANES];
    STORE(lanes, sum);
    float *out = malloc(sizeof(float));
    *out = 0;
    for (int i = 0; i < LANES; i++) {
        *out += lanes[i];
    }
    return out;
}

/* Clock in GHz: four dependent one-cycle integer adds per iteration. */
static double clock_ghz(void) {
    long n = 1000000000L, v = 0;
    double start = now();
    for (long i = 0; i < n; i++) {
        __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(v));
    }
    return 4.0 * n / (now() - start) / 1e9;
}

static double run(int threads) {
    pthread_t t[256];
    double start = now();
    for (int i = 0; i < threads; i++) {
        pthread_create(&t[i], NULL, fma_chains, (void *) (long) (1 + 16 * i));
    }
    float check = 0;
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        check += *(float *) r;
        free(r);
    }
    double seconds = now() - start;
    if (check == 42.0f) {
        printf("(check %f)\n", check);   /* keeps the results live */
    }
    return threads * STEPS * 12.0 * LANES * 2 / seconds / 1e9;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    if (threads < 1 || threads > 256) {
        fprintf(stderr, "usage: fma_peak [threads 1..256]\n");
        return 2;
    }
    double ghz = clock_ghz();
    double one = run(1);
    double all = run(threads);
    printf("clock %.2f GHz\n", ghz);
    printf("1 thread:  %.1f GFLOP/s = %.1f flops per cycle (%s: %d float lanes x 2 flops per FMA)\n", one, one / ghz,
           WIDTH, LANES);
    printf("%d threads: %.1f GFLOP/s\n", threads, all);
    return 0;
}
