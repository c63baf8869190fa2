#pragma once
// Where an object was created or a goroutine spawned: a SourceLocation stand-in built on
// the compiler builtins that both GCC 12 and clang 14 provide (clang 14, used for the TSan
// build, cannot compile libstdc++ 12's <source_location>).

namespace conc::rt {

class SourceLocation {
 public:
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          unsigned line = __builtin_LINE(),
                                          const char* function = __builtin_FUNCTION()) noexcept {
    return SourceLocation(file, line, function);
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr unsigned line() const noexcept { return line_; }
  // The enclosing function's plain name ("main", "operator()" for a lambda); may be empty.
  constexpr const char* function_name() const noexcept { return function_; }

 private:
  constexpr SourceLocation(const char* file, unsigned line, const char* function)
      : file_(file), line_(line), function_(function) {}
  const char* file_;
  unsigned line_;
  const char* function_;
};

}  // namespace conc::rt
