#pragma once
// Go's stoppable timers (package time): new_timer, after_func, Timer::stop and Timer::reset.
// (after(d), a timer nobody stops, is in chan.h.)
//
//   rt::Timer t = rt::new_timer(50ms);
//   std::optional<rt::Time> fired;
//   rt::select(rt::recv_case(t.chan(), fired), rt::recv_case(work, job));
//   if (!fired) t.stop();
//
//   rt::Timer later = rt::after_func(1s, [] { ... });  // runs in its own goroutine
//
// Go 1.23's rules, the ones without stale values:
//   - stop() returns true if it stopped the timer: it was armed and had not fired, or (a
//     channel timer) had fired but the time had not been received yet, which stop() removes.
//     After stop() returns, a receive on chan() blocks until the timer is reset and fires.
//     For an after_func timer, false means f has been started (or the timer was stopped).
//   - reset(d) re-arms the timer to fire d from now, with the same return value as stop()
//     had for the state it found (true: it was still active).
// A pending timer counts as work, as in Go: goroutines waiting for it are not deadlocked.
// Stopped and reset timers are dropped lazily: each stopped arming keeps a small heap entry
// until its old deadline.
// Memory ordering: what the caller of new_timer/after_func/reset wrote before the call is
// visible to f (after_func) or to the receiver of the time.
// Preconditions: every call from a goroutine (inside rt::run()).

#include <chrono>
#include <functional>
#include <memory>

#include "runtime/chan.h"
#include "runtime/source_location.h"

namespace conc::rt {

namespace detail {
struct TimerCore;  // timer.h
}  // namespace detail

class Timer {
 public:
  Timer() = default;  // no timer: stop() and reset() on it panic, as Go's on a zero Timer
  // Go's t.C: receives the time once the timer fires. A nil channel for after_func timers.
  const Chan<Time>& chan() const { return chan_; }
  bool stop();
  bool reset(std::chrono::nanoseconds d);

 private:
  friend Timer new_timer(std::chrono::nanoseconds, SourceLocation);
  friend Timer after_func(std::chrono::nanoseconds, std::function<void()>, SourceLocation);
  Chan<Time> chan_;
  std::shared_ptr<detail::TimerCore> core_;
};

// A timer that sends the time on chan() once d has passed (Go's time.NewTimer).
Timer new_timer(std::chrono::nanoseconds d, SourceLocation where = SourceLocation::current());
// A timer that, once d has passed, runs f in a goroutine of its own (Go's time.AfterFunc).
// reset() after it fired runs f again, in a new goroutine, when it fires again.
Timer after_func(std::chrono::nanoseconds d, std::function<void()> f,
                 SourceLocation where = SourceLocation::current());

}  // namespace conc::rt
