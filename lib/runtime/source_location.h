#pragma once
// Where an object was created or a goroutine spawned: a SourceLocation stand-in built on
// the compiler builtins that both GCC 12 and clang 14 provide (clang 14, used for the TSan
// build, cannot compile libstdc++ 12's <source_location>).

namespace conc::rt {

class SourceLocation {
 public:
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          unsigned line = __builtin_LINE()) noexcept {
    return SourceLocation(file, line);
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr unsigned line() const noexcept { return line_; }

 private:
  constexpr SourceLocation(const char* file, unsigned line) : file_(file), line_(line) {}
  const char* file_;
  unsigned line_;
};

}  // namespace conc::rt
