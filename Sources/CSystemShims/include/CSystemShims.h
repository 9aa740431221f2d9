#ifndef ATTEST_CSYSTEMSHIMS_H
#define ATTEST_CSYSTEMSHIMS_H

#include <stdint.h>

/* Thin wrappers over Linux calls that Glibc does not export to Swift (macros, _GNU_SOURCE). */

/* Kernel thread id of the calling thread (gettid), or -1 where unsupported. */
int32_t attest_gettid(void);

/* CPU the calling thread is running on now (sched_getcpu), or -1 on error. */
int32_t attest_sched_getcpu(void);

/* CPUs in the calling process's affinity mask. Writes up to `capacity` CPU numbers into `cpus`
   and returns how many CPUs the mask holds, or -1 on error (errno set). */
int32_t attest_affinity_cpus(int32_t *cpus, int32_t capacity);

/* Pins the calling thread to one CPU. Returns 0 or an errno value. */
int32_t attest_pin_current_thread(int32_t cpu);

/* User and system CPU time of the calling thread in microseconds, and its voluntary and
   involuntary context switches (getrusage RUSAGE_THREAD). Returns 0 or an errno value. */
int32_t attest_thread_rusage(int64_t *user_us, int64_t *system_us,
                             int64_t *voluntary_switches, int64_t *involuntary_switches);

/* Names the calling thread (pthread_setname_np; at most 15 bytes are kept). Returns 0 or an
   errno value. The name shows in /proc/self/task/<tid>/comm, ps -L and top -H. */
int32_t attest_set_current_thread_name(const char *name);

/* Whether the kernel counts retired instructions for this process (perf_event_open of
   PERF_COUNT_HW_INSTRUCTIONS on the calling thread, opened and closed at once). Returns 0 when it
   does, or the errno value that refused it (ENOENT / EOPNOTSUPP on a VM without a PMU, EACCES
   under perf_event_paranoid). */
int32_t attest_perf_instructions_available(void);

/// Opens a counting perf event (no sampling) of user-space events: `hardware` 1 counts retired
/// instructions (PERF_COUNT_HW_INSTRUCTIONS), 0 the software task clock (for tests on machines
/// without a PMU). `pid` 0 is the calling thread; another pid is that process, and with `inherit`
/// 1 the children it starts after this call too (their counts join on exit).
/// Returns the file descriptor, or -errno.
int32_t attest_perf_open(int32_t hardware, int32_t pid, int32_t inherit);

/// The counter's value, or -1 when it cannot be read.
int64_t attest_perf_read(int32_t fd);

/* The smallest stack size pthread_attr_setstacksize accepts (PTHREAD_STACK_MIN, a sysconf call
   on recent glibc and so not importable as a constant). */
int64_t attest_thread_stack_minimum(void);

/* Starts `path` with `argv` and `envp` (NULL-terminated) in folder `cwd` (NULL: this process's),
   stdin from /dev/null, stdout and stderr onto the given descriptors, every other descriptor
   closed, no signal blocked and every signal at its default (posix_spawn, no shell).
   With `pin_cpu` >= 0 the child starts with an affinity of that one CPU (the calling thread is
   pinned for the spawn and restored after: a child inherits its creator's mask).
   Writes the child's pid and returns 0, or returns an errno value. */
int32_t attest_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                     int32_t stdout_fd, int32_t stderr_fd, int32_t pin_cpu, int32_t *pid);

/* Waits for child `pid` (wait4, EINTR retried) and reports how it ended and what it and its
   waited-for descendants used: `exited` 1 with `code`, or 0 with the terminating `signal`; user and
   system CPU in microseconds; voluntary and involuntary context switches; peak RSS in KiB.
   Returns 0 or an errno value. */
int32_t attest_wait_child(int32_t pid, int32_t *exited, int32_t *code, int32_t *signal_number,
                          int64_t *user_us, int64_t *system_us, int64_t *voluntary_switches,
                          int64_t *involuntary_switches, int64_t *max_rss_kib);

#endif
