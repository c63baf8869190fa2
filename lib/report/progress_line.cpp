#include "report/progress_line.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

namespace conc::report {

namespace {

constexpr int kDefaultWidth = 80;
// Room left at the end of the line for the terminal's "^C" echo, so that after Ctrl-C the echo
// stays on the line that the destructor then erases.
constexpr int kSpareColumns = 3;
constexpr int kBarCells = 16;
constexpr double kSecondsPerMinute = 60;
// The time left is a guess from the pace so far: only shown once a few steps give a pace.
constexpr double kMinFractionForEta = 0.05;

int terminal_columns(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    return ws.ws_col;
  }
  return kDefaultWidth;
}

void write_all(int fd, const std::string& text) {
  std::size_t off = 0;
  while (off < text.size()) {
    const auto n = ::write(fd, text.data() + off, text.size() - off);
    if (n <= 0) {
      return;  // a progress line is not worth an error
    }
    off += static_cast<std::size_t>(n);
  }
}

// Cuts `text` to `width` columns (every character here is one column wide; multi-byte UTF-8
// sequences are never split).
std::string fit(std::string text, int width) {
  int columns = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0U) != 0x80U && ++columns > width) {
      text.resize(i);
      break;
    }
  }
  return text;
}

}  // namespace

std::string progress_duration(double seconds) {
  if (seconds < kSecondsPerMinute) {
    return fmt::format("{:.1f} s", seconds);
  }
  const auto whole = static_cast<long long>(seconds);
  return fmt::format("{} min {:02} s", whole / 60, whole % 60);
}

std::string progress_text(const ProgressState& state, double elapsed_s, int width, int frame) {
  static constexpr char kFrames[] = {'|', '/', '-', '\\'};
  std::string line;
  if (state.total > 0) {
    const double fraction =
        std::clamp(static_cast<double>(state.done) / static_cast<double>(state.total), 0.0, 1.0);
    const int filled = static_cast<int>(fraction * kBarCells);
    std::string time = progress_duration(elapsed_s);
    if (fraction >= kMinFractionForEta && fraction < 1.0) {
      time += ", about " + progress_duration(elapsed_s * (1.0 - fraction) / fraction) + " left";
    }
    line = fmt::format("[{}{}] {}/{} · {} · {}", std::string(filled, '#'),
                       std::string(kBarCells - filled, '.'), state.done, state.total, time,
                       state.what);
  } else {
    line = fmt::format("{} {} · {}", kFrames[frame % 4], progress_duration(elapsed_s), state.what);
  }
  return fit(std::move(line), std::max(width - kSpareColumns, 1));
}

bool ProgressLine::wanted(int fd, bool json) {
  return !json && ::isatty(fd) == 1;
}

ProgressLine::ProgressLine(int fd) : fd_(fd), thread_([this] { run(); }) {}

ProgressLine::~ProgressLine() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    erase_locked();
  }
  wake_.notify_one();
  thread_.join();
}

void ProgressLine::start(std::string what) {
  {
    std::lock_guard lock(mu_);
    erase_locked();
    state_ = ProgressState{std::move(what), 0, 0};
    started_ = std::chrono::steady_clock::now();
    active_ = true;
    held_ = false;
  }
  wake_.notify_one();
}

void ProgressLine::step(long long done, long long total) {
  std::lock_guard lock(mu_);
  state_.done = done;
  state_.total = total;
}

void ProgressLine::clear() {
  std::lock_guard lock(mu_);
  erase_locked();
  active_ = false;
  held_ = false;
}

void ProgressLine::hold() {
  std::lock_guard lock(mu_);
  erase_locked();
  held_ = held_ || active_;
  if (active_) {
    held_at_ = std::chrono::steady_clock::now();
  }
  active_ = false;
}

void ProgressLine::resume() {
  {
    std::lock_guard lock(mu_);
    if (!held_) {
      return;
    }
    held_ = false;
    active_ = true;
    started_ += std::chrono::steady_clock::now() - held_at_;  // the wait is not the experiment's
  }
  wake_.notify_one();
}

void ProgressLine::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, kRedraw);
    if (!stop_ && active_ && std::chrono::steady_clock::now() - started_ >= kShowAfter) {
      draw_locked();
    }
  }
}

void ProgressLine::draw_locked() {
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started_;
  write_all(fd_,
            "\r\033[K" + progress_text(state_, elapsed.count(), terminal_columns(fd_), frame_++));
  drawn_ = true;
}

void ProgressLine::erase_locked() {
  if (drawn_) {
    write_all(fd_, "\r\033[K");
    drawn_ = false;
  }
}

}  // namespace conc::report
