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
#include <linux/perf_event.h>
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

#if defined(__linux__)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#endif

int32_t attest_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                     int32_t stdout_fd, int32_t stderr_fd, int32_t pin_cpu, int32_t *pid) {
#if defined(__linux__)
    posix_spawn_file_actions_t actions;
    int result = posix_spawn_file_actions_init(&actions);
    if (result != 0) return result;
    if ((result = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
        (result = posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1)) != 0 ||
        (result = posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2)) != 0 ||
        /* Nothing else of attest's (sockets, /proc descriptors, pipes) leaks into the child. */
        (result = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) != 0 ||
        (cwd != NULL && (result = posix_spawn_file_actions_addchdir_np(&actions, cwd)) != 0)) {
        posix_spawn_file_actions_destroy(&actions);
        return result;
    }
    cpu_set_t saved;
    int pinned = 0;
    if (pin_cpu >= 0) {
        if (pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) != 0) {
            posix_spawn_file_actions_destroy(&actions);
            return EINVAL;
        }
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(pin_cpu, &one);
        result = pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
        if (result != 0) {
            posix_spawn_file_actions_destroy(&actions);
            return result;
        }
        pinned = 1;
    }
    /* The child starts with no signal blocked and every signal at its default: the calling
       thread's mask (test runners and dispatch block most signals) and ignored signals would
       otherwise be inherited, and a shell blocked on SIGCHLD waits for its children forever. */
    posix_spawnattr_t attributes;
    if ((result = posix_spawnattr_init(&attributes)) != 0) {
        if (pinned) pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
        posix_spawn_file_actions_destroy(&actions);
        return result;
    }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t child = 0;
    result = posix_spawn(&child, path, &actions, &attributes, argv, envp);
    if (pinned) pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (result == 0) *pid = (int32_t)child;
    return result;
#else
    return ENOSYS;
#endif
}

int32_t attest_wait_child(int32_t pid, int32_t *exited, int32_t *code, int32_t *signal_number,
                          int64_t *user_us, int64_t *system_us, int64_t *voluntary_switches,
                          int64_t *involuntary_switches, int64_t *max_rss_kib) {
#if defined(__linux__)
    int status = 0;
    struct rusage usage;
    memset(&usage, 0, sizeof(usage));
    pid_t result;
    do {
        result = wait4((pid_t)pid, &status, 0, &usage);
    } while (result < 0 && errno == EINTR);
    if (result < 0) return errno;
    *exited = WIFEXITED(status) ? 1 : 0;
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    *signal_number = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    *user_us = (int64_t)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec;
    *system_us = (int64_t)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec;
    *voluntary_switches = usage.ru_nvcsw;
    *involuntary_switches = usage.ru_nivcsw;
    *max_rss_kib = usage.ru_maxrss;
    return 0;
#else
    return ENOSYS;
#endif
}

int32_t attest_perf_instructions_available(void) {
#if defined(__linux__) && defined(SYS_perf_event_open)
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_HARDWARE;
    attr.size = sizeof attr;
    attr.config = PERF_COUNT_HW_INSTRUCTIONS;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
    if (fd < 0) return errno;
    close((int)fd);
    return 0;
#else
    return ENOSYS;
#endif
}

int32_t attest_perf_open(int32_t hardware, int32_t pid, int32_t inherit) {
#if defined(__linux__) && defined(SYS_perf_event_open)
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = hardware ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
    attr.size = sizeof attr;
    attr.config = hardware ? PERF_COUNT_HW_INSTRUCTIONS : PERF_COUNT_SW_TASK_CLOCK;
    attr.inherit = inherit ? 1 : 0;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &attr, (pid_t)pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) return -errno;
    return (int32_t)fd;
#else
    (void)hardware; (void)pid; (void)inherit;
    return -ENOSYS;
#endif
}

int64_t attest_perf_read(int32_t fd) {
    uint64_t value = 0;
    ssize_t got;
    do { got = read(fd, &value, sizeof value); } while (got < 0 && errno == EINTR);
    if (got != (ssize_t)sizeof value || value > (uint64_t)INT64_MAX) return -1;
    return (int64_t)value;
}
