/* C pthreads reference for swarm-bench: the same work kernel as SwarmRuntime's WorkKernel
 * (splitmix64 seeding, the same mixing loop, seeds 1..W), run by W pthreads at once ("par") or
 * one after another on the main thread ("seq").
 * Usage: reference W ITERATIONS seq|par
 * Prints: wall seconds, then the four 64-bit lanes XOR-ed over all W final states (hex), so the
 * bench can check lane by lane that this is the kernel SwarmRuntime runs. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { uint64_t seed; long iterations; uint64_t lanes[4]; } job_t;

static uint64_t splitmix(uint64_t *x) {
    *x += 0x9E3779B97F4A7C15ULL;
    uint64_t z = *x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void *kernel(void *arg) {
    job_t *job = arg;
    uint64_t x = job->seed;
    uint64_t a = splitmix(&x), b = splitmix(&x), c = splitmix(&x), d = splitmix(&x);
    for (long i = 0; i < job->iterations; i++) {
        uint64_t t = b << 17;
        c ^= a; d ^= b; b ^= c;
        a ^= d * 0x2545F4914F6CDD1DULL;
        c ^= t;
        d = (d << 45) | (d >> 19);
    }
    job->lanes[0] = a; job->lanes[1] = b; job->lanes[2] = c; job->lanes[3] = d;
    return NULL;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: reference W ITERATIONS seq|par\n"); return 2; }
    int workers = atoi(argv[1]);
    long iterations = atol(argv[2]);
    int parallel = strcmp(argv[3], "par") == 0;
    if (workers < 1 || iterations < 0) { fprintf(stderr, "error: W must be >= 1 and ITERATIONS >= 0\n"); return 2; }
    job_t *jobs = calloc((size_t)workers, sizeof(job_t));
    pthread_t *threads = calloc((size_t)workers, sizeof(pthread_t));
    if (jobs == NULL || threads == NULL) { fprintf(stderr, "error: out of memory\n"); return 1; }
    for (int i = 0; i < workers; i++) { jobs[i].seed = (uint64_t)i + 1; jobs[i].iterations = iterations; }
    double start = now();
    if (parallel) {
        for (int i = 0; i < workers; i++) {
            int result = pthread_create(&threads[i], NULL, kernel, &jobs[i]);
            if (result != 0) { fprintf(stderr, "error: pthread_create: %s\n", strerror(result)); return 1; }
        }
        for (int i = 0; i < workers; i++) pthread_join(threads[i], NULL);
    } else {
        for (int i = 0; i < workers; i++) kernel(&jobs[i]);
    }
    double wall = now() - start;
    uint64_t check[4] = {0, 0, 0, 0};
    for (int i = 0; i < workers; i++) for (int k = 0; k < 4; k++) check[k] ^= jobs[i].lanes[k];
    printf("%.6f %016llx %016llx %016llx %016llx\n", wall, (unsigned long long)check[0], (unsigned long long)check[1],
           (unsigned long long)check[2], (unsigned long long)check[3]);
    free(jobs);
    free(threads);
    return 0;
}
