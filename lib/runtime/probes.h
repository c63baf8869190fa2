#pragma once
// Two measurements other parts of conc-lab need from outside the runtime (the context-switch
// lesson, `conc-lab bench`): what a goroutine switch costs here. Each runs its own rt::run()
// on ONE worker, so the figure is a pure user-space switch with no cross-CPU wake-up, and
// returns wall time divided by the number of operations, after an untimed warm-up of n/10.

#include <cstdint>

namespace conc::rt {

// Two goroutines each call yield() n times: ns per yield (= per switch; Go's Gosched).
double measure_yield_switch_ns(std::int64_t n);

// Two goroutines bounce a value over two unbuffered channels n times: ns per round trip
// (2 sends + 2 receives = 2 handoffs, each a switch). Half of it is one channel handoff.
double measure_chan_round_trip_ns(std::int64_t n, int workers = 1);

}  // namespace conc::rt
