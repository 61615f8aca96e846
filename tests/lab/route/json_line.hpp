// Tiny JSON-lines writer for the lab drivers: one flat object per line, flushed at once so
// the Python test sees each event the moment it happens.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace pathwatch::lab {

class JsonLine {
 public:
  JsonLine& field(std::string_view key, std::string_view value) {
    key_(key);
    quoted(value);
    return *this;
  }
  // Without this, a string literal would pick the bool overload.
  JsonLine& field(std::string_view key, const char* value) {
    return field(key, std::string_view(value));
  }
  JsonLine& field(std::string_view key, std::int64_t value) {
    key_(key);
    out_ += std::to_string(value);
    return *this;
  }
  JsonLine& field(std::string_view key, bool value) {
    key_(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  void print() {
    out_ += "}\n";
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    std::fflush(stdout);
  }

 private:
  void key_(std::string_view key) {
    out_ += out_.size() == 1 ? "" : ",";
    quoted(key);
    out_ += ':';
  }
  void quoted(std::string_view s) {
    out_ += '"';
    for (const char c : s) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out_ += buf;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }
  std::string out_ = "{";
};

}  // namespace pathwatch::lab
