#include "lessons/common/chapters.h"

namespace conc::lessons {

const std::vector<Chapter>& chapters() {
  static const std::vector<Chapter> kChapters = {
      {"Concurrency and parallelism", {"concurrency-vs-parallelism"}},
      {"Processes and threads", {"process", "thread"}},
      {"The limits of threads", {"context-switch", "c10k", "stack"}},
      {"Why concurrency is hard", {"data-race", "locking", "deadlock"}},
      {"Go's concurrency tool set", {"goroutines", "channels", "select", "sync", "waitgroup"}},
  };
  return kChapters;
}

}  // namespace conc::lessons
