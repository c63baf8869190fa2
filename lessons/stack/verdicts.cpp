// Lesson `stack`: the verdict rules (numbers in, verdict out) and the address-space drawing.
// Pure: no clock, no /proc.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lessons/common/thread_limits.h"
#include "lessons/common/verdict_rule.h"
#include "lessons/stack/stack.h"
#include "report/units.h"

namespace conc::lessons::stack {

using report::ClaimVerdict;

namespace {
std::string kib_text(const std::optional<std::uint64_t>& bytes) {
  return bytes ? std::to_string(*bytes / kKiB) : std::string("unlimited");
}
}  // namespace

std::string bytes_text(std::uint64_t b) {
  return report::format_bytes(static_cast<double>(b));
}

ClaimVerdict judge_c22(const StackLimitView& v) {
  const Rule rule{
      "C22",
      fmt::format("a definition checked (a shell inherits the limit, so it cannot disagree unless "
                  "something reset it) and one figure compared: confirmed when `ulimit -s` printed "
                  "what getrlimit(RLIMIT_STACK) returns and that is {}; nuanced when it is another "
                  "value; could not judge when no shell could be asked or it printed something "
                  "else",
                  bytes_text(kTypicalStackBytes))};
  const std::string ours = kib_text(v.soft), ours_hard = kib_text(v.hard);
  if (!v.shell_soft) {
    return rule.not_judged(fmt::format(
        "no shell could be asked, so what `ulimit -s` shows was not seen; getrlimit says {} / {} "
        "KiB (soft/hard)",
        ours, ours_hard));
  }
  if (*v.shell_soft != ours || (v.shell_hard && *v.shell_hard != ours_hard)) {
    return rule.not_judged(fmt::format(
        "getrlimit says {} / {} KiB (soft/hard) but `ulimit -s` printed {} / {}: the shell "
        "inherits the limit, so something in its start-up changed it, and this run cannot say "
        "which figure `ulimit` stands for",
        ours, ours_hard, *v.shell_soft, v.shell_hard.value_or("?")));
  }
  const std::string typical = fmt::format(
      "{} is the kernel's default RLIMIT_STACK, which most distributions keep: the limit of the "
      "main thread's stack, which glibc also gives new threads by default (musl gives them 128 "
      "KiB, macOS 512 KiB)",
      bytes_text(kTypicalStackBytes));
  if (v.soft == kTypicalStackBytes) {
    return rule.confirmed(
        fmt::format("`ulimit -s` prints {} (KiB, = {}) and `ulimit -Hs` {}, exactly what getrlimit "
                    "(RLIMIT_STACK) returns to this process. {}",
                    ours, bytes_text(*v.soft), ours_hard, typical));
  }
  return rule.nuanced(fmt::format(
      "`ulimit -s` prints {} KiB (hard {}), what getrlimit returns, but not the typical value. "
      "{}; this machine or its login set another",
      ours, ours_hard, typical));
}

ClaimVerdict judge_c21(const FixedStackView& v) {
  const Rule rule{
      "C21", fmt::format("contradicted when a thread stack did not overflow or the small one got "
                         "at least as deep as the big one; confirmed when the ratio of the two "
                         "overflow depths matches the ratio of the stack sizes within {} and the "
                         "default thread stack follows glibc's rule (RLIMIT_STACK soft limit, or "
                         "2 MiB when unlimited); nuanced otherwise",
                         report::format_ratio(kDepthRatioBand))};
  const auto& b = v.big;
  const auto& s = v.small;
  if (!b.overflowed || !s.overflowed || s.depth >= b.depth || s.depth <= 0) {
    return rule.contradicted(fmt::format("{} stack: {} ({} frames); {} stack: {} ({} frames)",
                                         bytes_text(b.stack_bytes), b.ended, b.depth,
                                         bytes_text(s.stack_bytes), s.ended, s.depth));
  }
  const double size_ratio = static_cast<double>(b.stack_bytes) / static_cast<double>(s.stack_bytes);
  const double depth_ratio = static_cast<double>(b.depth) / static_cast<double>(s.depth);
  std::string facts = fmt::format(
      "the {} thread stack overflowed after {} frames and the {} one after {} ({} deeper for a "
      "{} larger stack, ~{} bytes per frame); new threads get {} by default, glibc's rule gives "
      "{}",
      bytes_text(b.stack_bytes), report::format_count(b.depth), bytes_text(s.stack_bytes),
      report::format_count(s.depth), report::format_ratio(depth_ratio),
      report::format_ratio(size_ratio), report::format_number(b.bytes_per_frame),
      bytes_text(v.default_stack), bytes_text(v.glibc_rule));
  if (within_factor(depth_ratio, size_ratio, kDepthRatioBand) && v.default_stack == v.glibc_rule) {
    return rule.confirmed(facts +
                          ": the size is chosen when the thread is created and the stack never "
                          "grows past it; only the pages it touches cost memory");
  }
  return rule.nuanced(std::move(facts));
}

ClaimVerdict judge_c09(bool stacks_distinct, const OverflowRun& overflow) {
  const Rule rule{"C09",
                  "contradicted when two threads' stacks share a mapping; confirmed when they are "
                  "separate and running off a thread stack faulted in its guard page; nuanced "
                  "when the fault address was not seen or lay elsewhere"};
  if (!stacks_distinct) {
    return rule.contradicted("two threads' locals lay in the same stack mapping");
  }
  if (!overflow.fault_in_guard) {
    return rule.nuanced(fmt::format(
        "each thread's stack is a mapping of its own; where the overflow faulted was not seen "
        "({})",
        overflow.ended));
  }
  if (*overflow.fault_in_guard) {
    return rule.confirmed(fmt::format(
        "each thread's stack is a mapping of its own, and the {} stack's overflow faulted inside "
        "the guard page just below it: the guard keeps one thread's stack from running into the "
        "next",
        bytes_text(overflow.stack_bytes)));
  }
  return rule.nuanced(
      "each thread's stack is a mapping of its own, but the overflow faulted outside the guard "
      "page (a frame larger than the guard jumps over it)");
}

std::optional<std::size_t> first_cap(const std::vector<ThreadCap>& caps) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < caps.size(); ++i) {
    if (!caps[i].enforced || !caps[i].more_threads) {
      continue;
    }
    if (!best || *caps[i].more_threads < *caps[*best].more_threads) {
      best = i;
    }
  }
  return best;
}

ClaimVerdict judge_c18(const std::vector<ThreadCap>& caps, const AttemptView& attempt) {
  // One rule for both lessons that judge C18 (lessons/thread_limits.h).
  std::optional<thread_limits::Limit> tightest;
  if (const auto first = first_cap(caps)) {
    const auto& c = caps[*first];
    tightest = thread_limits::Limit{
        c.name, *c.more_threads,
        c.from_stack_size ? thread_limits::LimitKind::memory : thread_limits::LimitKind::count};
  }
  return thread_limits::judge_c18(
      tightest, {attempt.requested, attempt.created, attempt.error,
                 fmt::format("in the live attempt each thread took {} of RSS and {} mappings",
                             report::format_bytes(attempt.rss_per_thread),
                             report::format_number(attempt.maps_per_thread))});
}

std::string draw_layout(std::vector<LayoutBox> boxes) {
  std::sort(boxes.begin(), boxes.end(),
            [](const auto& a, const auto& b) { return a.start > b.start; });
  constexpr std::size_t kInner = 56;
  constexpr std::size_t kAddr = 16;
  std::string rule;
  for (std::size_t i = 0; i < kInner; ++i) {
    rule += "─";
  }
  auto addr = [&](std::uint64_t a) {
    return fmt::format("  {:>{}} ", fmt::format("{:#x}", a), kAddr);
  };
  // Two columns of indent, 16 of address, the box: within 80 columns once the renderer indents.
  const std::string blank = fmt::format("  {:>{}} ", "", kAddr);
  auto content = [&](const std::string& left, const std::string& right) {
    const std::size_t used = left.size() + right.size() + 2;
    const std::string pad = used < kInner ? std::string(kInner - used, ' ') : " ";
    return blank + "│ " + left + pad + right + " │\n";
  };
  std::string out = blank + " high addresses\n";
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const auto& b = boxes[i];
    const bool joined_above = i > 0 && boxes[i - 1].start == b.end;
    if (i > 0 && !joined_above) {
      const auto gap = boxes[i - 1].start - b.end;
      out += blank + "   ⋮  " + bytes_text(gap) + " of other mappings and unmapped space\n";
    }
    out += addr(b.end) + (joined_above ? "├" : "┌") + rule + (joined_above ? "┤" : "┐") + "\n";
    out += content(b.label, b.perms + "  " + bytes_text(b.end - b.start));
    for (const auto& n : b.notes) {
      out += content("  " + n, "");
    }
    const bool joined_below = i + 1 < boxes.size() && boxes[i + 1].end == b.start;
    if (!joined_below) {
      out += addr(b.start) + "└" + rule + "┘\n";
    }
  }
  out += blank + " low addresses\n";
  return out;
}

}  // namespace conc::lessons::stack
