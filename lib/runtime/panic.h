#pragma once
// Go's panics, as C++ exceptions thrown in the goroutine that misused a primitive.
//
// conc::rt::Panic carries Go's exact message ("send on closed channel", "close of closed
// channel", "close of nil channel", "sync: negative WaitGroup counter", ...). A goroutine may
// catch it, as Go code may recover(); uncaught, it ends rt::run() with a report naming the
// goroutine (RunResult::outcome == Outcome::panic), never std::terminate. Any other exception
// escaping a goroutine is reported the same way with its what().
//
// Two kinds, as Go tells them apart with runtime.Error: rt::RuntimeError (derived from Panic)
// is a panic the runtime raises for a misused primitive (the channel panics above, as Go's
// are runtime.Error values); a plain Panic is one the program (or the sync package, whose
// "sync: negative WaitGroup counter" is a plain panic in Go too) throws. catch (const
// rt::RuntimeError&) catches only the former; catch (const rt::Panic&) both.
//
// rt::goexit() ends the calling goroutine the same way, with an exception that is not a
// std::exception (detail::Goexit): its destructors run (Go's deferred calls), nothing else
// stops.
//
// When a panic or a deadlock ends a program, the other goroutines are unwound with an
// exception that is not a std::exception (detail::Cancelled), thrown where they block, so that
// their destructors run (runtime.h, "How a program ends"; when main returns they are stopped
// instead, as in Go). Code that catches everything with catch (...) must rethrow it (and
// Goexit); a goroutine that blocks again while it unwinds is abandoned.

#include <stdexcept>
#include <string>

namespace conc::rt {

class Panic : public std::runtime_error {
 public:
  explicit Panic(const std::string& message) : std::runtime_error(message) {}
};

// A panic raised by the runtime itself (Go's runtime.Error).
class RuntimeError : public Panic {
 public:
  explicit RuntimeError(const std::string& message) : Panic(message) {}
};

namespace detail {
// Unwinds a goroutine at the end of the program. Deliberately not a std::exception.
struct Cancelled {};
// Unwinds a goroutine that called goexit(). Not a std::exception either.
struct Goexit {};
}  // namespace detail

}  // namespace conc::rt
