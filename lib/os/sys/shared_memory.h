#pragma once
// Memory that stays shared across fork(): an anonymous MAP_SHARED mapping. Two processes
// forked after it was made see the same physical pages, so atomics and futex words in it
// synchronise them exactly as they would two threads.
//
// Objects placed in it must be trivially destructible and lock-free (nothing in it may own
// heap memory or rely on a constructor having run in the other process).

#include <cstddef>
#include <new>
#include <type_traits>

namespace conc::os {

class SharedMapping {
 public:
  explicit SharedMapping(std::size_t bytes);  // zero-filled; throws on failure
  ~SharedMapping();
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;

  void* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// One T, value-initialised in its own shared mapping.
template <typename T>
class Shared {
  static_assert(std::is_trivially_destructible_v<T>, "nothing in shared memory may own memory");

 public:
  Shared() : mapping_(sizeof(T)) { ptr_ = new (mapping_.data()) T{}; }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }

 private:
  SharedMapping mapping_;
  T* ptr_;
};

}  // namespace conc::os
