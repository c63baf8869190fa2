// The stack pool: see stack.h for the layout.
//
// Invariants:
//   - every chunk in chunks_ is mapped; chunk_count_ entries of chunk_table_ describe them and
//     are written before the count is published (the signal handler reads them lock-free);
//   - a stack is in exactly one place: a free list in free_, or handed out (in_use_);
//   - chunk.free counts its stacks in free_; only chunks with free == kStacksPerChunk are
//     unmapped, and only by trim();
//   - released_[chunk][slot] is set from just before a stack's pages are released until frames
//     are written back into it (stack_repopulated); while it is set, the canary of the stack
//     above may read 0 (see stack.h).
#include "runtime/stack.h"

#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <system_error>
#include <vector>

namespace conc::rt {

namespace {

constexpr std::size_t kPage = kStackPage;
constexpr std::size_t kMaxChunks = 1 << 16;  // 8M stacks: far beyond any memory we have

struct ChunkRecord {
  std::byte* base;
  std::size_t bytes;
  std::size_t stack_bytes;
  bool guarded;
};

// Read by the signal handler without locks: entries are immutable once published, a trimmed
// chunk's entry is zeroed (a fault there is then not ours).
ChunkRecord chunk_table_[kMaxChunks];
std::atomic<std::size_t> chunk_count_{0};
// One flag per stack: its pages are released (zero-initialised; 8 MiB of address space, of
// which only the rows of mapped chunks are ever touched). Chunk indices are never reused.
std::atomic<std::uint8_t> released_[kMaxChunks][kStacksPerChunk];

std::atomic<std::uint8_t>& released_flag(const StackSpan& s) {
  return released_[s.chunk][s.slot];
}

std::atomic_ref<std::uint64_t> canary_word(const StackSpan& s) {
  return std::atomic_ref<std::uint64_t>(*stack_canary(s));
}

// The canary of the stack above s lives in s's top reserve, at the same place whether that
// stack is guarded or not: 16 bytes below s.hi.
std::atomic_ref<std::uint64_t> canary_above(const StackSpan& s) {
  return std::atomic_ref<std::uint64_t>(*(reinterpret_cast<std::uint64_t*>(s.hi) - 2));
}

struct Chunk {
  std::size_t table_index;
  std::size_t stack_bytes;
  std::size_t free;
};

std::size_t read_max_map_count() {
  std::ifstream f("/proc/sys/vm/max_map_count");
  std::size_t n = 65530;
  f >> n;
  return n;
}

class Pool {
 public:
  std::size_t acquire(std::size_t bytes, StackSpan* out, std::size_t n) {
    std::lock_guard lock(mu_);
    auto& list = free_[bytes];
    while (list.size() < n) {
      map_chunk(bytes, list);
    }
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = list.back();
      list.pop_back();
      chunk_of(out[i].lo).free--;
      // Our canary sits in the top page of the stack under us: leave a released one alone
      // (writing would fault its page back in; it rewrites the canary when repopulated).
      if (out[i].slot == 0 || released_[out[i].chunk][out[i].slot - 1].load() == 0) {
        canary_word(out[i]).store(kStackCanary, std::memory_order_relaxed);
      }
      stack_repopulated(out[i]);
    }
    in_use_ += n;
    return n;
  }

  void release(const StackSpan* spans, std::size_t n) {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < n; ++i) {
      Chunk& c = chunk_of(spans[i].lo);
      c.free++;
      free_[c.stack_bytes].push_back(spans[i]);
    }
    in_use_ -= n;
  }

  StackPoolStats stats() {
    std::lock_guard lock(mu_);
    StackPoolStats s;
    s.chunks = chunks_.size();
    s.reserved = chunks_.size() * kStacksPerChunk;
    s.in_use = in_use_;
    s.guarded = guarded_;
    s.guard_budget = guard_budget();
    return s;
  }

  std::size_t trim() {
    std::lock_guard lock(mu_);
    std::size_t unmapped = 0;
    for (auto it = chunks_.begin(); it != chunks_.end();) {
      if (it->second.free != kStacksPerChunk) {
        ++it;
        continue;
      }
      ChunkRecord& rec = chunk_table_[it->second.table_index];
      auto& list = free_[rec.stack_bytes];
      std::byte* lo = rec.base;
      std::byte* hi = rec.base + rec.bytes;
      std::erase_if(list, [&](const StackSpan& s) { return s.lo >= lo && s.lo < hi; });
      if (rec.guarded) {
        guarded_ -= kStacksPerChunk;
      }
      ::munmap(rec.base, rec.bytes);
      rec = ChunkRecord{};
      it = chunks_.erase(it);
      ++unmapped;
    }
    return unmapped;
  }

  void limit_guards(std::size_t stacks) {
    std::lock_guard lock(mu_);
    budget_ = std::min(guard_budget(), stacks);
  }

 private:
  std::size_t guard_budget() {
    if (!budget_known_) {
      budget_ = read_max_map_count() / 4;  // 2 VMAs per guard: half the process budget
      budget_known_ = true;
    }
    return budget_;
  }

  void map_chunk(std::size_t stack_bytes, std::vector<StackSpan>& list) {
    const std::size_t bytes = kPage + stack_bytes * kStacksPerChunk;
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      throw std::system_error(errno, std::generic_category(), "mmap goroutine stacks");
    }
    auto* base = static_cast<std::byte*>(p);
    const bool guarded = guarded_ + kStacksPerChunk <= guard_budget();
    for (std::size_t i = 0; guarded && i < kStacksPerChunk; ++i) {
      std::byte* lo = base + kPage + i * stack_bytes;
      if (::mprotect(lo, kPage, PROT_NONE) != 0) {
        ::munmap(base, bytes);
        throw std::system_error(errno, std::generic_category(), "mprotect guard page");
      }
    }
    const std::size_t index = chunk_count_.load(std::memory_order_relaxed);
    if (index == kMaxChunks) {
      ::munmap(base, bytes);
      throw std::system_error(ENOMEM, std::generic_category(), "too many stack chunks");
    }
    chunk_table_[index] = ChunkRecord{base, bytes, stack_bytes, guarded};
    chunk_count_.store(index + 1, std::memory_order_release);
    chunks_[base] = Chunk{index, stack_bytes, kStacksPerChunk};
    guarded_ += guarded ? kStacksPerChunk : 0;
    // Hand out low addresses last, so that stacks come out of the pool in address order.
    for (std::size_t i = kStacksPerChunk; i-- > 0;) {
      std::byte* lo = base + kPage + i * stack_bytes;
      list.push_back(StackSpan{guarded ? lo + kPage : lo, lo + stack_bytes, guarded,
                               static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(index)});
    }
  }

  Chunk& chunk_of(std::byte* lo) {
    auto it = chunks_.upper_bound(lo);
    --it;
    return it->second;
  }

  std::mutex mu_;
  std::map<std::byte*, Chunk> chunks_;
  std::map<std::size_t, std::vector<StackSpan>> free_;
  std::size_t in_use_ = 0;
  std::size_t guarded_ = 0;
  std::size_t budget_ = 0;
  bool budget_known_ = false;
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: stacks may outlive static destruction order
  return *p;
}

std::size_t round_to_pages(std::size_t n) {
  return (n + kPage - 1) / kPage * kPage;
}

// --- overflow reporting -------------------------------------------------------------------

void write_str(const char* s) {
  [[maybe_unused]] auto n = ::write(2, s, std::strlen(s));
}

void write_u64(std::uint64_t v) {
  char buf[24];
  char* p = buf + sizeof buf;
  *--p = '\0';
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  write_str(p);
}

void write_hex(const void* p) {
  char buf[2 + 16 + 1];
  auto v = reinterpret_cast<std::uintptr_t>(p);
  char* q = buf + sizeof buf;
  *--q = '\0';
  do {
    *--q = "0123456789abcdef"[v % 16];
    v /= 16;
  } while (v != 0);
  *--q = 'x';
  *--q = '0';
  write_str(q);
}

#if !defined(CONC_ASAN) && !defined(CONC_TSAN)
struct sigaction previous_segv_;
std::mutex handler_mu_;

// Whose guard page holds `addr`: 0 = not a guard page, ~0 = a guard page of a stack no
// goroutine owns. Fills *stack with the usable part of that stack.
std::uint64_t guard_owner(const std::byte* addr, StackSpan* stack) {
  const std::size_t n = chunk_count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    const ChunkRecord& c = chunk_table_[i];
    if (!c.guarded || addr < c.base + kPage || addr >= c.base + c.bytes) {
      continue;
    }
    const auto offset = static_cast<std::size_t>(addr - (c.base + kPage));
    const std::size_t index = offset / c.stack_bytes;
    if (offset - index * c.stack_bytes >= kPage) {
      return 0;  // inside a stack, not its guard: not an overflow
    }
    std::byte* lo = c.base + kPage + index * c.stack_bytes;
    *stack = StackSpan{lo + kPage, lo + c.stack_bytes, true};
    const std::uint64_t id = goroutine_on_stack(stack->hi);
    return id == 0 ? ~std::uint64_t{0} : id;
  }
  return 0;
}

const std::byte* interrupted_sp(const void* uctx) {
  const auto* uc = static_cast<const ucontext_t*>(uctx);
#if defined(__x86_64__)
  // The saved register is an integer: casting it back is the point.
  return reinterpret_cast<const std::byte*>(  // NOLINT(performance-no-int-to-ptr)
      uc->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  return reinterpret_cast<const std::byte*>(  // NOLINT(performance-no-int-to-ptr)
      uc->uc_mcontext.sp);
#else
  (void)uc;
  return nullptr;
#endif
}

// The fault happened while this thread ran a goroutine whose stack pointer is below its
// stack: a frame ran off the bottom. That covers what the guard page alone cannot see: an
// unguarded stack run into unmapped memory, and a frame (from code built without stack-clash
// probes) that jumped over the guard. The thread's own stack is excluded: between setting
// Worker::current and the switch itself, the worker's loop still runs there.
bool ran_off_bottom(const RunningGoroutine& g, const std::byte* sp) {
  if (g.id == 0 || sp == nullptr || sp >= g.stack.lo) {
    return false;
  }
  return !(sp >= g.native_lo && sp < g.native_lo + g.native_size);
}

void on_segv(int sig, siginfo_t* info, void* uctx) {
  const std::byte* sp = interrupted_sp(uctx);
  StackSpan stack;
  const std::uint64_t owner = guard_owner(static_cast<const std::byte*>(info->si_addr), &stack);
  if (owner != 0) {
    fatal_stack_overflow(owner == ~std::uint64_t{0} ? 0 : owner, "hit the guard page", &stack, sp);
  }
  const RunningGoroutine running = running_goroutine();
  if (ran_off_bottom(running, sp)) {
    fatal_stack_overflow(running.id, "faulted with its stack pointer below its stack",
                         &running.stack, sp);
  }
  // Not ours: hand over to whoever was installed before, or die the default way.
  if ((previous_segv_.sa_flags & SA_SIGINFO) != 0 && previous_segv_.sa_sigaction != nullptr) {
    previous_segv_.sa_sigaction(sig, info, uctx);
    return;
  }
  if (previous_segv_.sa_handler != SIG_DFL && previous_segv_.sa_handler != SIG_IGN) {
    previous_segv_.sa_handler(sig);
    return;
  }
  ::signal(SIGSEGV, SIG_DFL);  // returning re-executes the access, which now kills us
}

#endif

constexpr std::size_t kAltStackBytes = std::size_t{64} * 1024;
thread_local stack_t previous_alt_{};

}  // namespace

std::size_t acquire_stacks(std::size_t reserved_bytes, StackSpan* out, std::size_t n) {
  return pool().acquire(round_to_pages(std::max(reserved_bytes, 4 * kPage)), out, n);
}

void release_stacks(const StackSpan* spans, std::size_t n) {
  pool().release(spans, n);
}

StackPoolStats stack_pool_stats() {
  return pool().stats();
}

std::size_t trim_stacks() {
  return pool().trim();
}

void limit_guard_pages(std::size_t stacks) {
  pool().limit_guards(stacks);
}

void release_stack_pages(const StackSpan* spans, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    released_flag(spans[i]).store(1);  // before the zeros can be seen (canary_intact_slow)
  }
  for (std::size_t i = 0; i < n;) {
    std::byte* lo = spans[i].lo;
    std::byte* hi = spans[i].hi;
    for (++i; i < n && spans[i].lo == hi; ++i) {
      hi = spans[i].hi;  // unguarded neighbours touch: one call for the run
    }
    // Failure (it should not happen on our own private anonymous mapping) leaves the pages
    // in place: more memory, nothing wrong.
    ::madvise(lo, static_cast<std::size_t>(hi - lo), MADV_DONTNEED);
  }
}

void stack_repopulated(const StackSpan& s) {
  std::atomic<std::uint8_t>& flag = released_flag(s);
  if (flag.load(std::memory_order_relaxed) == 0) {
    return;
  }
  // A non-zero word here was written after the release: by the stack above running off its
  // bottom. Leave that evidence for its next check.
  std::uint64_t zero = 0;
  canary_above(s).compare_exchange_strong(zero, kStackCanary, std::memory_order_relaxed);
  flag.store(0, std::memory_order_release);  // after the canary: see canary_intact_slow
}

bool stack_released(const StackSpan& s) {
  return released_flag(s).load(std::memory_order_acquire) != 0;
}

bool canary_intact_slow(const StackSpan& s) {
  if (s.slot == 0) {
    return false;  // the lead page is never released
  }
  const StackSpan below{nullptr, nullptr, false, static_cast<std::uint16_t>(s.slot - 1), s.chunk};
  if (canary_word(s).load(std::memory_order_relaxed) == 0 && stack_released(below)) {
    return true;
  }
  // The stack under us may have been repopulated between the two reads: it rewrote the
  // canary before clearing its mark, so a second read sees the canary if it is intact.
  return canary_word(s).load(std::memory_order_relaxed) == kStackCanary;
}

void fatal_stack_overflow(std::uint64_t goroutine, const char* how, const StackSpan* stack,
                          const void* sp) {
  // Go's wording: "runtime: goroutine stack exceeds 1000000000-byte limit", "runtime:
  // sp=... stack=[lo, hi]", "fatal error: stack overflow"; here the goroutine is named too.
  if (stack != nullptr) {
    write_str("conc::rt: goroutine ");
    write_u64(goroutine);
    write_str(" stack exceeds ");
    write_u64(stack->size());
    write_str("-byte limit\nconc::rt: sp=");
    write_hex(sp);
    write_str(" stack=[");
    write_hex(stack->lo);
    write_str(", ");
    write_hex(stack->hi);
    write_str("]\n");
  }
  write_str("conc::rt: fatal error: stack overflow in goroutine ");
  write_u64(goroutine);
  write_str(" (");
  write_str(how);
  write_str(")\n");
  ::_exit(2);  // Go exits with status 2 on a fatal error
}

void install_overflow_handler() {
#if !defined(CONC_ASAN) && !defined(CONC_TSAN)
  // Checked at every run(): a test framework or the program may have replaced it meanwhile.
  std::lock_guard lock(handler_mu_);
  struct sigaction current {};
  ::sigaction(SIGSEGV, nullptr, &current);
  if ((current.sa_flags & SA_SIGINFO) != 0 && current.sa_sigaction == &on_segv) {
    return;
  }
  struct sigaction sa {};
  sa.sa_sigaction = &on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSEGV, &sa, &previous_segv_);
#endif
}

AltSignalStack::AltSignalStack() {
#if !defined(CONC_ASAN) && !defined(CONC_TSAN)
  mem_ =
      ::mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem_ == MAP_FAILED) {
    mem_ = nullptr;
    return;
  }
  stack_t ss{};
  ss.ss_sp = mem_;
  ss.ss_size = kAltStackBytes;
  installed_ = ::sigaltstack(&ss, &previous_alt_) == 0;
#endif
}

AltSignalStack::~AltSignalStack() {
  if (installed_) {
    ::sigaltstack(&previous_alt_, nullptr);
  }
  if (mem_ != nullptr) {
    ::munmap(mem_, kAltStackBytes);
  }
}

}  // namespace conc::rt
