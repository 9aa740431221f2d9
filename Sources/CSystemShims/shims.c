#include "CSystemShims.h"

#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <pthread.h>
#endif

int32_t attest_gettid(void) {
#if defined(__linux__)
    return (int32_t)syscall(SYS_gettid);
#else
    return -1;
#endif
}

int32_t attest_sched_getcpu(void) {
#if defined(__linux__)
    return (int32_t)sched_getcpu();
#else
    return -1;
#endif
}

int32_t attest_affinity_cpus(int32_t *cpus, int32_t capacity) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        return -1;
    }
    int32_t count = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &set)) {
            if (cpus != NULL && count < capacity) {
                cpus[count] = cpu;
            }
            count++;
        }
    }
    return count;
#else
    (void)cpus; (void)capacity;
    errno = ENOSYS;
    return -1;
#endif
}

int32_t attest_pin_current_thread(int32_t cpu) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return (int32_t)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
#else
    (void)cpu;
    return ENOSYS;
#endif
}

int32_t attest_thread_rusage(int64_t *user_us, int64_t *system_us,
                             int64_t *voluntary_switches, int64_t *involuntary_switches) {
#if defined(__linux__)
    struct rusage usage;
    if (getrusage(RUSAGE_THREAD, &usage) != 0) {
        return errno;
    }
    *user_us = (int64_t)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec;
    *system_us = (int64_t)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec;
    *voluntary_switches = usage.ru_nvcsw;
    *involuntary_switches = usage.ru_nivcsw;
    return 0;
#else
    (void)user_us; (void)system_us; (void)voluntary_switches; (void)involuntary_switches;
    return ENOSYS;
#endif
}

int32_t attest_set_current_thread_name(const char *name) {
#if defined(__linux__)
    char truncated[16];
    strncpy(truncated, name, sizeof(truncated) - 1);
    truncated[sizeof(truncated) - 1] = '\0';
    return (int32_t)pthread_setname_np(pthread_self(), truncated);
#else
    (void)name;
    return ENOSYS;
#endif
}

int64_t attest_thread_stack_minimum(void) {
#if defined(__linux__) && defined(PTHREAD_STACK_MIN)
    return (int64_t)PTHREAD_STACK_MIN;
#else
    return 16384;
#endif
}
