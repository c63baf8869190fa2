#pragma once
// What a goroutine switch costs here, timed from outside the runtime as any program would time
// it. Each runs its own rt::run() on ONE worker (unless told otherwise), so the figure is a pure
// user-space switch with no cross-CPU wake-up, and returns wall time divided by the number of
// operations, after an untimed warm-up of n/10.
//
// Why here: two users, the context-switch lesson and `conc-lab bench` (bench_runtime.cpp), and
// both already depend on conc_lessons; the runtime itself never times itself, and lib/os is
// below the runtime (it must not link it). So links stay one-way: app -> lessons -> runtime.
// (Named "timing", not "probes": lib/os's probes are something else, e.g. wake_probe.)

#include <cstdint>

namespace conc::lessons {

// Two goroutines each call yield() n times: ns per yield (= per switch; Go's Gosched).
double measure_yield_switch_ns(std::int64_t n);

// Two goroutines bounce a value over two unbuffered channels n times: ns per round trip
// (2 sends + 2 receives = 2 handoffs, each a switch). Half of it is one channel handoff.
double measure_chan_round_trip_ns(std::int64_t n, int workers = 1);

}  // namespace conc::lessons
