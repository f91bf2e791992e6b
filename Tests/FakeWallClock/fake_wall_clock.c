// A preloadable library that moves only the wall clock of the process it is loaded into, by an offset
// (seconds, e.g. "-3600") read from the file named by FAKE_WALL_CLOCK_FILE. The clock-jump tests use it
// instead of libfaketime: libfaketime also rewrites the process's timers (timerfd_settime, epoll_wait,
// pthread_cond_timedwait), so a negative offset stalls every Task.sleep by that much, which tests the
// harness rather than the daemon. Here only reads of the wall clock change; every wait and the
// monotonic and boot clocks run as they really do, as after a suspend or an NTP step.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "fake_wall_clock.h"

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static _Atomic(clock_gettime_fn) real_clock_gettime;
static _Atomic long long offset_ns;
static _Atomic long long next_read_ns;

static clock_gettime_fn real(void) {
    clock_gettime_fn fn = atomic_load(&real_clock_gettime);
    if (!fn) {
        fn = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
        atomic_store(&real_clock_gettime, fn);
    }
    return fn;
}

// The file is read again at most every 20 ms (of the monotonic clock), so a jump takes effect at once
// for a test yet costs nothing on the daemon's hot paths.
static long long current_offset_ns(void) {
    struct timespec now;
    if (real()(CLOCK_MONOTONIC, &now) != 0) return atomic_load(&offset_ns);
    long long monotonic = (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
    if (monotonic >= atomic_load(&next_read_ns)) {
        atomic_store(&next_read_ns, monotonic + 20000000LL);
        const char *path = getenv("FAKE_WALL_CLOCK_FILE");
        FILE *file = path ? fopen(path, "re") : NULL;
        if (file) {
            double seconds = 0;
            if (fscanf(file, "%lf", &seconds) == 1) atomic_store(&offset_ns, (long long)(seconds * 1e9));
            fclose(file);
        }
    }
    return atomic_load(&offset_ns);
}

static void shift(struct timespec *ts) {
    long long total = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec + current_offset_ns();
    ts->tv_sec = (time_t)(total / 1000000000LL);
    ts->tv_nsec = (long)(total % 1000000000LL);
    if (ts->tv_nsec < 0) {
        ts->tv_nsec += 1000000000L;
        ts->tv_sec -= 1;
    }
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
    int result = real()(clock, ts);
    if (result == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) shift(ts);
    return result;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
    (void)tz;
    struct timespec ts;
    int result = clock_gettime(CLOCK_REALTIME, &ts);
    if (result == 0 && tv) {
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    return result;
}

time_t time(time_t *out) {
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
    if (out) *out = ts.tv_sec;
    return ts.tv_sec;
}

int timespec_get(struct timespec *ts, int base) {
    if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, ts) != 0) return 0;
    return base;
}
