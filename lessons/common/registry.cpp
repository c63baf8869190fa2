// The syllabus: every lesson, in the order of the lecture notes. `conc-lab list` shows this
// table as it is; a lesson not listed here does not exist for the app.

#include "lessons/common/lesson.h"

namespace conc::lessons {

std::unique_ptr<Lesson> make_concurrency_vs_parallelism_lesson();
std::unique_ptr<Lesson> make_process_lesson();
std::unique_ptr<Lesson> make_context_switch_lesson();
std::unique_ptr<Lesson> make_c10k_lesson();
std::unique_ptr<Lesson> make_thread_lesson();
std::unique_ptr<Lesson> make_stack_lesson();
std::unique_ptr<Lesson> make_data_race_lesson();
std::unique_ptr<Lesson> make_locking_lesson();
std::unique_ptr<Lesson> make_deadlock_lesson();
std::unique_ptr<Lesson> make_goroutines_lesson();
std::unique_ptr<Lesson> make_channels_lesson();
std::unique_ptr<Lesson> make_select_lesson();
std::unique_ptr<Lesson> make_sync_lesson();
std::unique_ptr<Lesson> make_waitgroup_lesson();

std::vector<std::unique_ptr<Lesson>> all_lessons() {
  std::vector<std::unique_ptr<Lesson>> lessons;
  lessons.push_back(make_concurrency_vs_parallelism_lesson());
  lessons.push_back(make_process_lesson());
  lessons.push_back(make_thread_lesson());
  lessons.push_back(make_context_switch_lesson());
  lessons.push_back(make_c10k_lesson());
  lessons.push_back(make_stack_lesson());
  lessons.push_back(make_data_race_lesson());
  lessons.push_back(make_locking_lesson());
  lessons.push_back(make_deadlock_lesson());
  lessons.push_back(make_goroutines_lesson());
  lessons.push_back(make_channels_lesson());
  lessons.push_back(make_select_lesson());
  lessons.push_back(make_sync_lesson());
  lessons.push_back(make_waitgroup_lesson());
  return lessons;
}

}  // namespace conc::lessons
