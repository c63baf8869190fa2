#pragma once
// Source paths as the runtime's reports print them: relative to the repository root
// ("lessons/data_race/detector.cpp"), the path a reader can open, whatever folder the build
// ran in. Go prints the file's full path in its race and deadlock reports; a path from the
// root keeps that meaning without showing the build machine's folders, and stays unambiguous
// where a basename would not (every lesson has a lesson.cpp).
//
// The compiler names a file as it was given: absolute (found through -I, as this header is)
// or relative to the build folder ("../../lessons/x.cpp"). The root is this header's own path
// minus its place in the tree; a relative path loses its leading "./" and "../" steps, which
// is exact for build folders inside the repository (build/<preset>, as scripts/ make them).

#include <string_view>

namespace conc::rt::detail {

inline constexpr std::string_view kThisHeader = "lib/runtime/source_path.h";

constexpr std::string_view repository_root() {
  constexpr std::string_view self = __builtin_FILE();
  static_assert(self.ends_with(kThisHeader), "update kThisHeader when moving this header");
  return self.substr(0, self.size() - kThisHeader.size());
}

constexpr std::string_view source_path(std::string_view file) {
  if (const auto at = file.find(repository_root());
      !repository_root().empty() && at != std::string_view::npos) {
    return file.substr(at + repository_root().size());
  }
  while (file.starts_with("./") || file.starts_with("../")) {
    file.remove_prefix(file.find('/') + 1);
  }
  return file;
}

}  // namespace conc::rt::detail
