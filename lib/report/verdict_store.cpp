#include "report/verdict_store.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

namespace conc::report {

std::filesystem::path VerdictStore::default_path() {
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && xdg[0] == '/') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0') {
    base = std::filesystem::path(home) / ".local" / "state";
  } else {
    base = std::filesystem::temp_directory_path();
  }
  return base / "conc-lab" / "verdicts.json";
}

std::optional<std::string> VerdictStore::load() {
  verdicts_.clear();
  std::ifstream in(file_);
  if (!in) {
    return std::nullopt;  // never written yet: an empty ledger
  }
  try {
    const nlohmann::json doc = nlohmann::json::parse(in);
    for (const auto& [claim, lessons] : doc.at("verdicts").items()) {
      for (const auto& [lesson, v] : lessons.items()) {
        verdicts_[claim][lesson] = StoredVerdict{
            v.at("verdict").get<std::string>(), v.value("because", ""), v.value("threshold", ""),
            v.value("quick", false), v.value("recorded_at", "")};
      }
    }
  } catch (const nlohmann::json::exception& e) {
    verdicts_.clear();
    return "ignoring the unreadable verdict file " + file_.string() + " (" + e.what() +
           "); starting afresh";
  }
  return std::nullopt;
}

void VerdictStore::record(const Report& report, const std::string& recorded_at) {
  for (auto& [claim, lessons] : verdicts_) {
    lessons.erase(report.lesson);
  }
  for (const auto& v : report.verdicts) {
    verdicts_[v.claim][report.lesson] =
        StoredVerdict{to_string(v.verdict), v.because, v.threshold, report.quick, recorded_at};
  }
}

void VerdictStore::save() const {
  nlohmann::json all = nlohmann::json::object();
  for (const auto& [claim, lessons] : verdicts_) {
    for (const auto& [lesson, v] : lessons) {
      all[claim][lesson] = {{"verdict", v.verdict},
                            {"because", v.because},
                            {"threshold", v.threshold},
                            {"quick", v.quick},
                            {"recorded_at", v.recorded_at}};
    }
  }
  const nlohmann::json doc = {{"schema_version", kSchemaVersion}, {"verdicts", all}};
  std::filesystem::create_directories(file_.parent_path());
  const auto tmp =
      file_.parent_path() / (file_.filename().string() + ".tmp." + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump(2) << '\n';
    out.flush();
    if (!out) {
      throw std::system_error(errno, std::generic_category(), "write " + tmp.string());
    }
  }
  std::filesystem::rename(tmp, file_);
}

std::optional<StoredVerdict> VerdictStore::latest(const std::string& claim,
                                                  const std::string& lesson) const {
  auto c = verdicts_.find(claim);
  if (c == verdicts_.end()) {
    return std::nullopt;
  }
  auto l = c->second.find(lesson);
  if (l == c->second.end()) {
    return std::nullopt;
  }
  return l->second;
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace conc::report
