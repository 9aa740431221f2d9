/* A small C program for attest's external-command tests: W tasks of fixed integer work,
   run on W pthreads ("threads"), one after another on the main thread ("seq"), or one after
   another while a second thread only spins until they are done ("spin": busy, not parallel).
   usage: spin_threads MODE WORKERS ITERATIONS; prints one value that depends on every result. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job { uint64_t seed; uint64_t iterations; uint64_t result; };

static volatile int done;

static void *spin(void *argument) {
    (void)argument;
    volatile uint64_t count = 0;
    while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) count++;
    return NULL;
}

static void *work(void *argument) {
    struct job *job = argument;
    uint64_t x = job->seed;
    for (uint64_t i = 0; i < job->iterations; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        x = x * 0x9E3779B97F4A7C15ULL + i;
    }
    job->result = x;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s threads|seq WORKERS ITERATIONS\n", argv[0]); return 2; }
    int workers = atoi(argv[2]);
    uint64_t iterations = strtoull(argv[3], NULL, 10);
    if (workers < 1 || workers > 256) { fprintf(stderr, "WORKERS from 1 to 256\n"); return 2; }
    struct job jobs[256];
    pthread_t threads[256];
    for (int i = 0; i < workers; i++) jobs[i] = (struct job){ .seed = (uint64_t)i + 1, .iterations = iterations };
    if (strcmp(argv[1], "threads") == 0) {
        for (int i = 0; i < workers; i++) if (pthread_create(&threads[i], NULL, work, &jobs[i]) != 0) return 1;
        for (int i = 0; i < workers; i++) pthread_join(threads[i], NULL);
    } else if (strcmp(argv[1], "spin") == 0) {
        pthread_t spinner;
        if (pthread_create(&spinner, NULL, spin, NULL) != 0) return 1;
        for (int i = 0; i < workers; i++) work(&jobs[i]);
        __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
        pthread_join(spinner, NULL);
    } else {
        for (int i = 0; i < workers; i++) work(&jobs[i]);
    }
    uint64_t combined = 0;
    for (int i = 0; i < workers; i++) combined = combined * 31 + jobs[i].result;
    printf("%016llx\n", (unsigned long long)combined);
    return 0;
}
