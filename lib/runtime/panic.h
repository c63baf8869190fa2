#pragma once
// Go's panics, as C++ exceptions thrown in the goroutine that misused a primitive.
//
// conc::rt::Panic carries Go's exact message ("send on closed channel", "close of closed
// channel", "close of nil channel", "sync: negative WaitGroup counter", ...). A goroutine may
// catch it, as Go code may recover(); uncaught, it ends rt::run() with a report naming the
// goroutine (RunResult::outcome == Outcome::panic), never std::terminate. Any other exception
// escaping a goroutine is reported the same way with its what().
//
// When a panic or a deadlock ends a program, the other goroutines are unwound with an
// exception that is not a std::exception (detail::Cancelled), thrown where they block, so that
// their destructors run (runtime.h, "How a program ends"; when main returns they are stopped
// instead, as in Go). Code that catches everything with catch (...) must rethrow it; a
// goroutine that blocks again while it unwinds is abandoned.

#include <stdexcept>
#include <string>

namespace conc::rt {

class Panic : public std::runtime_error {
 public:
  explicit Panic(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
// Unwinds a goroutine at the end of the program. Deliberately not a std::exception.
struct Cancelled {};
}  // namespace detail

}  // namespace conc::rt
